"""ElevenLabs' per-character timing turned into visemes: letters at their real times."""

from __future__ import annotations

from collections.abc import Sequence

from avatarium import lipsync
from avatarium.lipsync import VisemeSpan
from avatarium.visemes import LETTER_VISEMES


def visemes(characters: Sequence[str], starts_s: Sequence[float], duration_ms: int) -> list[VisemeSpan]:
    spans = []
    for char, start in zip(characters, starts_s, strict=False):
        lower = char.lower()
        viseme = LETTER_VISEMES.get(lower, "viseme_E" if lower.isalpha() else "viseme_sil")
        spans.append((viseme, min(duration_ms, round(start * 1000))))
    return lipsync.timeline(spans, duration_ms)
