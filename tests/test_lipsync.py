"""Phoneme → viseme mapping and viseme timelines."""

from __future__ import annotations

from itertools import pairwise

from avatarium import lipsync
from avatarium.providers.base import VisemeSpan
from avatarium.visemes import MOUTH_SHAPES, PHONEME_VISEMES, VISEMES, viseme_of_phoneme


def test_all_fifteen_visemes_are_reachable_from_phonemes() -> None:
    assert len(VISEMES) == 15 and set(MOUTH_SHAPES) == set(VISEMES)
    assert set(PHONEME_VISEMES.values()) | {"viseme_sil"} == set(VISEMES)


def test_typical_english_phonemes() -> None:
    expected = {"p": "viseme_PP", "f": "viseme_FF", "ð": "viseme_TH", "t": "viseme_DD", "k": "viseme_kk"}
    expected |= {"ʃ": "viseme_CH", "s": "viseme_SS", "n": "viseme_nn", "ɹ": "viseme_RR", "ɑ": "viseme_aa"}
    expected |= {"ɛ": "viseme_E", "ɪ": "viseme_I", "oʊ"[0]: "viseme_O", "u": "viseme_U", " ": "viseme_sil"}
    for phoneme, viseme in expected.items():
        assert viseme_of_phoneme(phoneme, "viseme_sil") == viseme


def test_stress_and_length_marks_extend_the_previous_viseme() -> None:
    assert viseme_of_phoneme("ˈ", "viseme_aa") == "viseme_aa"
    assert viseme_of_phoneme("ː", "viseme_I") == "viseme_I"


def test_alignment_timeline_is_contiguous_and_merged() -> None:
    # "^ h ə l ˈ o $" at 22050 Hz with sample counts.
    aligned = [("^", 1024), ("h", 768), ("ə", 1536), ("l", 1024), ("ˈ", 256), ("o", 2048), ("$", 512)]
    total = sum(n for _, n in aligned)
    spans = lipsync.from_alignment(aligned, 22050, total)
    assert [s.viseme for s in spans] == ["viseme_sil", "viseme_kk", "viseme_E", "viseme_nn", "viseme_O", "viseme_sil"]
    assert spans[0].start_ms == 0 and spans[-1].end_ms == round(total * 1000 / 22050)
    assert all(a.end_ms == b.start_ms for a, b in pairwise(spans))


def test_estimate_covers_the_duration() -> None:
    spans = lipsync.estimate("Hello world", 900)
    assert spans[0].start_ms == 0 and spans[-1].end_ms == 900
    assert all(a.end_ms == b.start_ms for a, b in pairwise(spans))
    assert lipsync.estimate("", 300) == [VisemeSpan("viseme_sil", 0, 300)]


def test_normalise_joins_pieces() -> None:
    first = [VisemeSpan("viseme_sil", 0, 100), VisemeSpan("viseme_aa", 100, 200)]
    second = lipsync.shift([VisemeSpan("viseme_aa", 0, 50), VisemeSpan("viseme_sil", 50, 100)], 200)
    joined = lipsync.normalise(first + second, 300)
    assert joined == [
        VisemeSpan("viseme_sil", 0, 100),
        VisemeSpan("viseme_aa", 100, 250),
        VisemeSpan("viseme_sil", 250, 300),
    ]
