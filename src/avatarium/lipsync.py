"""Viseme timelines that line up with audio: from phoneme alignments, or estimated from text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from avatarium.visemes import LETTER_VISEMES, viseme_of_phoneme


@dataclass(frozen=True)
class VisemeSpan:
    viseme: str
    start_ms: int
    end_ms: int


def timeline(spans: Sequence[tuple[str, int]], duration_ms: int) -> list[VisemeSpan]:
    """Turn (viseme, start) pairs into contiguous spans from 0 to `duration_ms`, merging repeats."""
    merged: list[tuple[str, int]] = []
    for viseme, start in spans:
        if merged and merged[-1][1] == start:  # the previous one lasted no time at all
            merged.pop()
        if merged and merged[-1][0] == viseme:
            continue
        merged.append((viseme, start))
    if not merged or merged[0][1] != 0:
        merged.insert(0, ("viseme_sil", 0))
    result = []
    for i, (viseme, start) in enumerate(merged):
        end = merged[i + 1][1] if i + 1 < len(merged) else duration_ms
        if end > start:
            result.append(VisemeSpan(viseme, start, end))
    return result or [VisemeSpan("viseme_sil", 0, duration_ms)]


def from_alignment(phonemes: Sequence[tuple[str, int]], sample_rate: int, total_samples: int) -> list[VisemeSpan]:
    """Visemes from a synthesiser's (phoneme, sample count) alignment of one piece of audio."""
    duration_ms = round(total_samples * 1000 / sample_rate)
    spans: list[tuple[str, int]] = []
    cursor = 0
    previous = "viseme_sil"
    for phoneme, samples in phonemes:
        viseme = viseme_of_phoneme(phoneme, previous)
        start = min(round(cursor * 1000 / sample_rate), duration_ms)
        spans.append((viseme, start))
        previous = viseme
        cursor += samples
    return timeline(spans, duration_ms)


def estimate(text: str, duration_ms: int) -> list[VisemeSpan]:
    """An estimate for engines that return no timing: letters spread evenly over the audio.

    Used only where the synthesiser gives nothing better; real alignments are preferred.
    """
    letters = [c for c in text.lower() if c.isalpha() or c.isspace()]
    if not letters or duration_ms <= 0:
        return [VisemeSpan("viseme_sil", 0, max(duration_ms, 0))]
    step = duration_ms / len(letters)
    spans = [
        (LETTER_VISEMES.get(c, "viseme_sil" if c.isspace() else "viseme_E"), round(i * step))
        for i, c in enumerate(letters)
    ]
    return timeline(spans, duration_ms)


def shift(spans: Sequence[VisemeSpan], offset_ms: int) -> list[VisemeSpan]:
    return [VisemeSpan(s.viseme, s.start_ms + offset_ms, s.end_ms + offset_ms) for s in spans]


def normalise(spans: Sequence[VisemeSpan], duration_ms: int) -> list[VisemeSpan]:
    """Join timelines of consecutive pieces into one contiguous timeline from 0 to `duration_ms`."""
    return timeline([(s.viseme, s.start_ms) for s in spans if s.start_ms < duration_ms], duration_ms)
