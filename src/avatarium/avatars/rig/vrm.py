"""Visemes from VRM expressions: the vowels `aa ih ou ee oh` of VRM 1.0 (`VRMC_vrm`) or `a i u e o` of VRM 0.x.

Each vowel binds morph targets of one or several meshes with weights; each viseme is a mix of
vowels (documented in docs/custom-avatars.md), so every mesh a vowel touches gets the visemes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from avatarium.avatars.rig.targets import MeshPlan, target_count
from avatarium.gltf.container import GltfError

VOWELS = ("aa", "ih", "ou", "ee", "oh")
_VRM0_VOWELS = {"a": "aa", "i": "ih", "u": "ou", "e": "ee", "o": "oh"}
_VRM0_NAMES = {"blink_l": "blinkLeft", "blink_r": "blinkRight", "lookup": "lookUp", "lookdown": "lookDown"}
_VRM0_NAMES |= {"lookleft": "lookLeft", "lookright": "lookRight", "joy": "happy", "sorrow": "sad", "fun": "relaxed"}
BLINK = "blink"

VISEME_MIX: dict[str, dict[str, float]] = {
    "viseme_sil": {},
    "viseme_PP": {"ou": 0.2},
    "viseme_FF": {"ih": 0.25, "ou": 0.1},
    "viseme_TH": {"aa": 0.2, "ih": 0.15},
    "viseme_DD": {"aa": 0.3, "ih": 0.2},
    "viseme_kk": {"aa": 0.35, "ee": 0.2},
    "viseme_CH": {"ou": 0.45, "ih": 0.25},
    "viseme_SS": {"ih": 0.55},
    "viseme_nn": {"aa": 0.2, "ee": 0.15},
    "viseme_RR": {"ou": 0.35, "oh": 0.3},
    "viseme_aa": {"aa": 1.0},
    "viseme_E": {"ee": 1.0},
    "viseme_I": {"ih": 1.0},
    "viseme_O": {"oh": 1.0},
    "viseme_U": {"ou": 1.0},
}

Bind = tuple[int, int, float]  # mesh, morph target, weight (0..1)


def expressions(gltf: dict[str, Any]) -> dict[str, list[Bind]]:
    """Every VRM expression with its morph target binds, by VRM 1.0 name; empty for a plain glTF."""
    extensions = gltf.get("extensions")
    if not isinstance(extensions, dict):
        return {}
    if isinstance(extensions.get("VRMC_vrm"), dict):
        return _vrm1(gltf, extensions["VRMC_vrm"])
    if isinstance(extensions.get("VRM"), dict):
        return _vrm0(gltf, extensions["VRM"])
    return {}


def _vrm1(gltf: dict[str, Any], vrm: dict[str, Any]) -> dict[str, list[Bind]]:
    groups = vrm.get("expressions") or {}
    found: dict[str, list[Bind]] = {}
    for kind in ("preset", "custom"):
        for name, expression in (groups.get(kind) or {}).items():
            binds = (expression or {}).get("morphTargetBinds") or []
            where = f"VRM expression '{name}'"
            found[name] = [_bind(gltf, where, _node_mesh(gltf, where, b.get("node")), b, 1.0) for b in binds]
    return found


def _vrm0(gltf: dict[str, Any], vrm: dict[str, Any]) -> dict[str, list[Bind]]:
    groups = (vrm.get("blendShapeMaster") or {}).get("blendShapeGroups") or []
    found: dict[str, list[Bind]] = {}
    for group in groups:
        preset = str((group or {}).get("presetName") or "unknown").lower()
        name = str(group.get("name") or preset) if preset == "unknown" else preset
        name = _VRM0_VOWELS.get(name, _VRM0_NAMES.get(name, name))
        where = f"VRM blend shape group '{group.get('name') or preset}'"
        found[name] = [_bind(gltf, where, b.get("mesh"), b, 100.0) for b in group.get("binds") or []]
    return found


def _node_mesh(gltf: dict[str, Any], where: str, node: Any) -> Any:
    nodes = gltf.get("nodes", [])
    if not isinstance(node, int) or not 0 <= node < len(nodes) or "mesh" not in nodes[node]:
        raise GltfError(f"{where} binds node {node!r}, which is not a node with a mesh; the VRM data is damaged")
    return nodes[node]["mesh"]


def _bind(gltf: dict[str, Any], where: str, mesh: Any, bind: dict[str, Any], full: float) -> Bind:
    meshes = gltf.get("meshes", [])
    if not isinstance(mesh, int) or not 0 <= mesh < len(meshes):
        raise GltfError(f"{where} binds mesh {mesh!r}, but the file has {len(meshes)} meshes")
    index, weight = bind.get("index"), bind.get("weight", full)
    count = target_count(meshes[mesh])
    if not isinstance(index, int) or not 0 <= index < count:
        raise GltfError(f"{where} binds morph target {index!r} of mesh {mesh}, which has {count}")
    if not isinstance(weight, int | float) or isinstance(weight, bool):
        raise GltfError(f"{where} has a bind weight that is not a number")
    return mesh, index, float(weight) / full


def plan(binds: dict[str, list[Bind]]) -> list[MeshPlan]:
    """A plan for every mesh a vowel binds, when the file has any vowel."""
    meshes = sorted({mesh for vowel in VOWELS for mesh, _, _ in binds.get(vowel, [])})
    plans = []
    for mesh in meshes:
        mixes: dict[str, dict[int, float]] = {}
        for viseme, recipe in VISEME_MIX.items():
            mix: dict[int, float] = defaultdict(float)
            for vowel, share in recipe.items():
                for bound_mesh, target, weight in binds.get(vowel, []):
                    if bound_mesh == mesh:
                        mix[target] += share * weight
            mixes[viseme] = dict(mix)
        plans.append(MeshPlan(mesh, mixes))
    return plans
