"""The face's morph targets: ARKit blend shapes from the CC0 Face Units, and the 15 Oculus visemes as
weighted mixes of them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from assets import sources
from assets.part import F64

ARKIT = [
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "eyeLookDownLeft",
    "eyeLookDownRight",
    "eyeLookInLeft",
    "eyeLookInRight",
    "eyeLookOutLeft",
    "eyeLookOutRight",
    "eyeLookUpLeft",
    "eyeLookUpRight",
    "eyeSquintLeft",
    "eyeSquintRight",
    "eyeWideLeft",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawOpen",
    "jawRight",
    "mouthClose",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthFunnel",
    "mouthLeft",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthPucker",
    "mouthRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "noseSneerLeft",
    "noseSneerRight",
    "tongueOut",
]


def _both(name: str, weight: float) -> dict[str, float]:
    return {f"{name}Left": weight, f"{name}Right": weight}


# Each Oculus viseme as a mix of ARKit shapes: the jaw sets how open the mouth is, funnel and pucker
# round the lips, stretch and smile spread them, press and roll close them, upper-up and lower-down
# bare the teeth.
VISEME_MIX: Mapping[str, Mapping[str, float]] = {
    "viseme_sil": {},
    "viseme_PP": {**_both("mouthPress", 0.6), "mouthRollLower": 0.25, "mouthRollUpper": 0.2, "mouthClose": 0.1},
    "viseme_FF": {"mouthRollLower": 0.75, **_both("mouthUpperUp", 0.3), "jawOpen": 0.08, "mouthShrugUpper": 0.2},
    "viseme_TH": {"jawOpen": 0.18, "tongueOut": 0.55, **_both("mouthUpperUp", 0.15), **_both("mouthStretch", 0.1)},
    "viseme_DD": {"jawOpen": 0.2, **_both("mouthStretch", 0.25), **_both("mouthLowerDown", 0.25)},
    "viseme_kk": {"jawOpen": 0.28, **_both("mouthStretch", 0.3), **_both("mouthLowerDown", 0.15)},
    "viseme_CH": {"jawOpen": 0.12, "mouthFunnel": 0.55, "mouthPucker": 0.2, **_both("mouthUpperUp", 0.3)},
    "viseme_SS": {
        "jawOpen": 0.06,
        **_both("mouthStretch", 0.45),
        **_both("mouthSmile", 0.2),
        **_both("mouthUpperUp", 0.25),
        **_both("mouthLowerDown", 0.3),
    },
    "viseme_nn": {"jawOpen": 0.16, **_both("mouthStretch", 0.2), **_both("mouthLowerDown", 0.1)},
    "viseme_RR": {"jawOpen": 0.14, "mouthFunnel": 0.4, "mouthPucker": 0.35},
    "viseme_aa": {"jawOpen": 0.85, **_both("mouthLowerDown", 0.3), **_both("mouthUpperUp", 0.1)},
    "viseme_E": {
        "jawOpen": 0.35,
        **_both("mouthStretch", 0.5),
        **_both("mouthSmile", 0.25),
        **_both("mouthLowerDown", 0.3),
    },
    "viseme_I": {
        "jawOpen": 0.18,
        **_both("mouthSmile", 0.55),
        **_both("mouthStretch", 0.5),
        **_both("mouthUpperUp", 0.2),
    },
    "viseme_O": {"jawOpen": 0.3, "mouthFunnel": 0.65, "mouthPucker": 0.3},
    "viseme_U": {"jawOpen": 0.14, "mouthPucker": 1.0, "mouthFunnel": 0.35},
}


def unit_offsets(vertex_count: int) -> dict[str, F64]:
    """Every ARKit shape as offsets of all base-mesh vertices (metres)."""
    out = {}
    for name in ARKIT:
        index, offsets = sources.face_unit(name)
        dense = np.zeros((vertex_count, 3))
        dense[index] = offsets
        out[name] = dense
    return out


def all_targets_names() -> list[str]:
    return [*VISEME_MIX, *ARKIT]


def all_targets(vertex_count: int) -> dict[str, F64]:
    """The visemes first (the names the API lists), then the ARKit shapes."""
    units = unit_offsets(vertex_count)
    visemes = {
        name: sum((w * units[u] for u, w in mix.items()), np.zeros((vertex_count, 3)))
        for name, mix in VISEME_MIX.items()
    }
    return {**visemes, **units}
