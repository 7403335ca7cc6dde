"""Baking visemes: new morph targets (POSITION, NORMAL, TANGENT deltas) mixed from a mesh's own targets.

The new targets are appended after the existing ones, so that every index the file uses
(VRM expression binds, animations of weights) still means what it meant; their data is
appended to the binary chunk, and nothing already in the file is moved or rewritten.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from avatarium.avatars.rig.targets import MeshPlan, Mix, names_of, set_names, target_count
from avatarium.gltf.accessors import Reader, Writer
from avatarium.gltf.container import Glb
from avatarium.visemes import VISEMES

_DELTAS = ("POSITION", "NORMAL", "TANGENT")


def bake(glb: Glb, plans: list[MeshPlan]) -> Glb:
    """The file with each planned mesh given the visemes it lacks, named in `extras.targetNames`."""
    reader, writer = Reader(glb), Writer(glb)
    for plan in plans:
        mesh = glb.gltf["meshes"][plan.mesh]
        count = target_count(mesh)
        names = names_of(mesh) or [f"target{i}" for i in range(count)]
        added = [viseme for viseme in VISEMES if viseme not in names]
        for primitive in mesh["primitives"]:
            targets = primitive.setdefault("targets", [])
            primitive["targets"] = targets + [_target(reader, writer, primitive, plan.mixes[v]) for v in added]
        set_names(mesh, names + added)
        weights = mesh.get("weights") or [0.0] * count
        mesh["weights"] = weights + [0.0] * len(added)
    return writer.finish()


def _target(reader: Reader, writer: Writer, primitive: dict[str, Any], mix: Mix) -> dict[str, int]:
    targets = primitive.get("targets", [])
    vertices = reader.gltf["accessors"][primitive["attributes"]["POSITION"]]["count"]
    attributes = [name for name in _DELTAS if any(name in target for target in targets)] or ["POSITION"]
    baked = {}
    for attribute in attributes:
        delta = np.zeros((vertices, 3), np.float32)
        for index, weight in mix.items():
            source = targets[index].get(attribute)
            if source is not None:
                delta += np.float32(weight) * reader.floats(source)[:, :3]
        baked[attribute] = writer.vec3(delta)
    return baked
