"""The 15 Oculus visemes and the mouth shape each one stands for."""

from __future__ import annotations

from typing import NamedTuple

VISEMES = (
    "viseme_sil",
    "viseme_PP",
    "viseme_FF",
    "viseme_TH",
    "viseme_DD",
    "viseme_kk",
    "viseme_CH",
    "viseme_SS",
    "viseme_nn",
    "viseme_RR",
    "viseme_aa",
    "viseme_E",
    "viseme_I",
    "viseme_O",
    "viseme_U",
)


class MouthShape(NamedTuple):
    """How far the jaw opens, the lips widen, round forward and press together (0..1)."""

    jaw_open: float
    width: float
    rounding: float
    press: float


MOUTH_SHAPES: dict[str, MouthShape] = {
    "viseme_sil": MouthShape(0.0, 0.0, 0.0, 0.0),
    "viseme_PP": MouthShape(0.0, 0.0, 0.1, 1.0),
    "viseme_FF": MouthShape(0.15, 0.2, 0.0, 0.6),
    "viseme_TH": MouthShape(0.25, 0.2, 0.0, 0.0),
    "viseme_DD": MouthShape(0.3, 0.3, 0.0, 0.0),
    "viseme_kk": MouthShape(0.35, 0.25, 0.0, 0.0),
    "viseme_CH": MouthShape(0.3, 0.0, 0.6, 0.0),
    "viseme_SS": MouthShape(0.15, 0.5, 0.0, 0.0),
    "viseme_nn": MouthShape(0.25, 0.25, 0.0, 0.0),
    "viseme_RR": MouthShape(0.3, 0.0, 0.5, 0.0),
    "viseme_aa": MouthShape(1.0, 0.3, 0.0, 0.0),
    "viseme_E": MouthShape(0.5, 0.7, 0.0, 0.0),
    "viseme_I": MouthShape(0.35, 0.9, 0.0, 0.0),
    "viseme_O": MouthShape(0.7, 0.0, 0.9, 0.0),
    "viseme_U": MouthShape(0.4, 0.0, 1.0, 0.0),
}


# espeak-ng IPA phonemes (as Piper emits them) to visemes. Marks that only
# modify a neighbour (stress, length, ties) are absent: they extend the viseme
# before them. Anything else unknown is treated as silence.
PHONEME_VISEMES: dict[str, str] = {
    **dict.fromkeys(["p", "b", "m"], "viseme_PP"),
    **dict.fromkeys(["f", "v"], "viseme_FF"),
    **dict.fromkeys(["θ", "ð"], "viseme_TH"),
    **dict.fromkeys(["t", "d", "ɾ", "ʔ"], "viseme_DD"),
    **dict.fromkeys(["k", "g", "ɡ", "ŋ", "x", "h", "ɣ", "q", "χ"], "viseme_kk"),
    **dict.fromkeys(["ʃ", "ʒ", "ʧ", "ʤ", "ç", "ɕ", "ʑ"], "viseme_CH"),
    **dict.fromkeys(["s", "z"], "viseme_SS"),
    **dict.fromkeys(["n", "l", "ɫ", "ɬ", "ɲ", "ɴ", "ʎ"], "viseme_nn"),
    **dict.fromkeys(["ɹ", "r", "ɚ", "ɝ", "ʁ", "ɻ"], "viseme_RR"),
    **dict.fromkeys(["a", "ɑ", "æ", "ʌ", "ɐ", "ä"], "viseme_aa"),
    **dict.fromkeys(["e", "ɛ", "ə", "ɜ", "ɘ", "œ"], "viseme_E"),
    **dict.fromkeys(["i", "ɪ", "j", "ᵻ", "y", "ɨ", "ʏ"], "viseme_I"),
    **dict.fromkeys(["o", "ɔ", "ɒ", "ø", "ɤ"], "viseme_O"),
    **dict.fromkeys(["u", "ʊ", "w", "ɯ", "ʉ"], "viseme_U"),
}
MODIFIERS = frozenset("ˈˌːˑ̩̃͡‿")

# Letters to visemes, for engines that give no phoneme timing (an estimate).
LETTER_VISEMES: dict[str, str] = {
    **dict.fromkeys("pbm", "viseme_PP"),
    **dict.fromkeys("fv", "viseme_FF"),
    **dict.fromkeys("td", "viseme_DD"),
    **dict.fromkeys("kgqxh", "viseme_kk"),
    **dict.fromkeys("j", "viseme_CH"),
    **dict.fromkeys("szc", "viseme_SS"),
    **dict.fromkeys("nl", "viseme_nn"),
    "r": "viseme_RR",
    "a": "viseme_aa",
    "e": "viseme_E",
    **dict.fromkeys("iy", "viseme_I"),
    "o": "viseme_O",
    **dict.fromkeys("uw", "viseme_U"),
}


def viseme_of_phoneme(phoneme: str, previous: str) -> str:
    if phoneme in MODIFIERS:
        return previous
    return PHONEME_VISEMES.get(phoneme, "viseme_sil")
