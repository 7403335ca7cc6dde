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


def _roll(weight: float) -> dict[str, float]:
    return {"mouthRollLower": weight, "mouthRollUpper": weight}


VISEME_MIX: dict[str, dict[str, float]] = {
    "viseme_sil": {},
    "viseme_PP": {"jawOpen": 0.08, "mouthClose": 0.08, **_both("mouthPress", 0.5), **_roll(0.25)},
    "viseme_FF": {"jawOpen": 0.05, "mouthRollLower": 0.6, **_both("mouthUpperUp", 0.25)},
    "viseme_TH": {"jawOpen": 0.12, "tongueOut": 0.45, **_both("mouthLowerDown", 0.15)},
    "viseme_DD": {"jawOpen": 0.2, **_both("mouthStretch", 0.15), **_both("mouthLowerDown", 0.2)},
    "viseme_kk": {"jawOpen": 0.25, **_both("mouthStretch", 0.3)},
    "viseme_CH": {"jawOpen": 0.12, "mouthFunnel": 0.5, "mouthShrugUpper": 0.2, **_both("mouthUpperUp", 0.2)},
    "viseme_SS": {"jawOpen": 0.05, **_both("mouthStretch", 0.45), **_both("mouthSmile", 0.15)},
    "viseme_nn": {"jawOpen": 0.15, **_both("mouthLowerDown", 0.1), **_both("mouthUpperUp", 0.1)},
    "viseme_RR": {"jawOpen": 0.15, "mouthPucker": 0.4, "mouthFunnel": 0.25},
    "viseme_aa": {"jawOpen": 0.65, **_both("mouthLowerDown", 0.3)},
    "viseme_E": {"jawOpen": 0.3, **_both("mouthStretch", 0.35), **_both("mouthSmile", 0.1)},
    "viseme_I": {"jawOpen": 0.15, **_both("mouthStretch", 0.5), **_both("mouthSmile", 0.3)},
    "viseme_O": {"jawOpen": 0.4, "mouthFunnel": 0.75},
    "viseme_U": {"jawOpen": 0.12, "mouthPucker": 0.85, "mouthFunnel": 0.2},
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
