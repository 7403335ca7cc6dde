"""Visemes from ARKit blend shapes: each viseme a weighted mix of the 52 ARKit face shapes.

The weights are chosen to give each viseme its characteristic mouth: lips pressed for PP,
the lower lip rolled under the upper teeth for FF, the tongue between the teeth for TH, the
jaw open for aa, lips rounded for O and pushed forward for U, spread for E, I and SS. They are
documented in docs/custom-avatars.md; a model lacking some of the shapes gets the mix of those
it has.
"""

from __future__ import annotations

from typing import Any

from avatarium.avatars.rig.targets import MeshPlan, indices_by_key, key, mixed

SHAPES = [
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
BLINKS = ("eyeBlinkLeft", "eyeBlinkRight")
REQUIRED = "jawOpen"


def _both(shape: str, weight: float) -> dict[str, float]:
    return {f"{shape}Left": weight, f"{shape}Right": weight}


# Each Oculus viseme as a mix of ARKit shapes: the jaw sets how open the mouth is, funnel and pucker
# round the lips, stretch and smile spread them, press and roll close them, upper-up and lower-down
# bare the teeth.
VISEME_MIX: dict[str, dict[str, float]] = {
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
INPUTS = sorted({shape for mix in VISEME_MIX.values() for shape in mix})
_CANONICAL = {key(shape): shape for shape in SHAPES}


def found(gltf: dict[str, Any]) -> set[str]:
    """The ARKit shapes any mesh of the file has, in their canonical spelling."""
    keys = {k for mesh in gltf.get("meshes", []) for k in indices_by_key(mesh)}
    return {_CANONICAL[k] for k in keys if k in _CANONICAL}


def plan(gltf: dict[str, Any]) -> list[MeshPlan]:
    """A plan for every mesh with any of the mouth shapes visemes are mixed from, if one has `jawOpen`."""
    plans = []
    for index, mesh in enumerate(gltf.get("meshes", [])):
        indices = indices_by_key(mesh)
        if any(key(shape) in indices for shape in INPUTS):
            plans.append(MeshPlan(index, {viseme: mixed(mix, indices) for viseme, mix in VISEME_MIX.items()}))
    if not any(key(REQUIRED) in indices_by_key(gltf["meshes"][p.mesh]) for p in plans):
        return []
    return plans
