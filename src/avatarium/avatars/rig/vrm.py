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


def _malformed(where: str) -> GltfError:
    return GltfError(f"The VRM data is malformed at {where}; export the model again")


def _dict(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _malformed(where)
    return value


def _dicts(value: Any, where: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _malformed(where)
    return value


def expressions(gltf: dict[str, Any]) -> dict[str, list[Bind]]:
    """Every VRM expression with its morph target binds, by VRM 1.0 name; empty for a plain glTF."""
    extensions = gltf.get("extensions", {})
    if "VRMC_vrm" in extensions:
        return _vrm1(gltf, _dict(extensions["VRMC_vrm"], "VRMC_vrm"))
    if "VRM" in extensions:
        return _vrm0(gltf, _dict(extensions["VRM"], "VRM"))
    return {}


def _vrm1(gltf: dict[str, Any], vrm: dict[str, Any]) -> dict[str, list[Bind]]:
    groups = _dict(vrm.get("expressions"), "expressions")
    found: dict[str, list[Bind]] = {}
    for kind in ("preset", "custom"):
        for name, expression in _dict(groups.get(kind), f"expressions.{kind}").items():
            where = f"VRM expression '{name}'"
            binds = _dicts(_dict(expression, where).get("morphTargetBinds"), where)
            found[name] = [_bind(gltf, where, _node_mesh(gltf, where, b.get("node")), b, 1.0) for b in binds]
    return found


def _vrm0(gltf: dict[str, Any], vrm: dict[str, Any]) -> dict[str, list[Bind]]:
    master = _dict(vrm.get("blendShapeMaster"), "blendShapeMaster")
    found: dict[str, list[Bind]] = {}
    for group in _dicts(master.get("blendShapeGroups"), "blendShapeGroups"):
        preset = str(group.get("presetName") or "unknown").lower()
        name = str(group.get("name") or preset) if preset == "unknown" else preset
        name = _VRM0_VOWELS.get(name, _VRM0_NAMES.get(name, name))
        where = f"VRM blend shape group '{group.get('name') or preset}'"
        found[name] = [_bind(gltf, where, b.get("mesh"), b, 100.0) for b in _dicts(group.get("binds"), where)]
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
