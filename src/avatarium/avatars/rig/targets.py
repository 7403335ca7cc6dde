"""Morph target names, as exporters write them, and the plan of which visemes to bake from which targets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from avatarium.visemes import VISEMES

Mix = dict[int, float]  # morph target index → weight


@dataclass
class MeshPlan:
    """The visemes one mesh gets, each a weighted mix of the mesh's own morph targets (empty: the rest pose)."""

    mesh: int
    mixes: dict[str, Mix] = field(default_factory=dict)


def key(name: str) -> str:
    """How names are compared: `blendShape1.jawOpen`, `JawOpen` and `jaw_open` are one; `_L`/`_R` mean Left/Right."""
    name = re.split(r"[.:|]", name)[-1].lower()
    name = re.sub(r"_l$", "left", re.sub(r"_r$", "right", name))
    return re.sub(r"[^a-z0-9]", "", name)


def target_count(mesh: dict[str, Any]) -> int:
    return len(mesh["primitives"][0].get("targets", []))


def names_of(mesh: dict[str, Any]) -> list[str] | None:
    """A mesh's target names: `extras.targetNames`, or those some exporters put on its first primitive."""
    for holder in (mesh, mesh["primitives"][0]):
        extras = holder.get("extras")
        names = extras.get("targetNames") if isinstance(extras, dict) else None
        if isinstance(names, list) and len(names) == target_count(mesh) and all(isinstance(n, str) for n in names):
            return list(names)
    return None


def declared_names(mesh: dict[str, Any]) -> Any:
    """`extras.targetNames` as the file has it, whatever it is."""
    extras = mesh.get("extras")
    return extras.get("targetNames") if isinstance(extras, dict) else None


def set_names(mesh: dict[str, Any], names: list[str]) -> None:
    """Names where three.js's GLTFLoader reads them."""
    extras = mesh.get("extras")
    if not isinstance(extras, dict):
        extras = mesh["extras"] = {}
    extras["targetNames"] = names


def indices_by_key(mesh: dict[str, Any]) -> dict[str, int]:
    """Comparison key → target index, for a mesh with named targets (the first of equal keys wins)."""
    found: dict[str, int] = {}
    for index, name in enumerate(names_of(mesh) or []):
        found.setdefault(key(name), index)
    return found


def oculus_meshes(gltf: dict[str, Any]) -> list[int]:
    """Meshes that already have all 15 visemes, however they spell them."""
    wanted = {key(viseme) for viseme in VISEMES}
    return [index for index, mesh in enumerate(gltf.get("meshes", [])) if wanted <= indices_by_key(mesh).keys()]


def spell_visemes(gltf: dict[str, Any], meshes: list[int]) -> bool:
    """Rewrite these meshes' viseme names in the canonical spelling; True if any differed."""
    changed = False
    for index in meshes:
        mesh = gltf["meshes"][index]
        found = indices_by_key(mesh)
        names = names_of(mesh) or []
        for viseme in VISEMES:
            names[found[key(viseme)]] = viseme
        if names != declared_names(mesh):
            set_names(mesh, names)
            changed = True
    return changed


def mixed(recipe: dict[str, float], found: dict[str, int]) -> Mix:
    """A recipe over shape names (comparison keys) as a mix of the targets a mesh has."""
    return {found[key(name)]: weight for name, weight in recipe.items() if key(name) in found}


def normalise_names(gltf: dict[str, Any]) -> bool:
    """Copy names found only on a mesh's first primitive to `extras.targetNames`; True if any were."""
    changed = False
    for mesh in gltf.get("meshes", []):
        names = names_of(mesh)
        if names is not None and declared_names(mesh) != names:
            set_names(mesh, names)
            changed = True
    return changed
