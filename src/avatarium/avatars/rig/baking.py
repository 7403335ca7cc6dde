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
MAX_BYTES = 64 * 1024 * 1024  # the served file, visemes included

# The same mix of the same accessors is written once, however many primitives share them.
Written = dict[tuple[str, int, tuple[tuple[int, float], ...]], int]


def bake(glb: Glb, plans: list[MeshPlan]) -> Glb:
    """The file with each planned mesh given the visemes it lacks, named in `extras.targetNames`."""
    reader, writer = Reader(glb), Writer(glb, MAX_BYTES)
    written: Written = {}
    for plan in plans:
        mesh = glb.gltf["meshes"][plan.mesh]
        count = target_count(mesh)
        names = names_of(mesh) or [f"target{i}" for i in range(count)]
        added = [viseme for viseme in VISEMES if viseme not in names]
        for primitive in mesh["primitives"]:
            targets = primitive.setdefault("targets", [])
            primitive["targets"] = targets + [_target(reader, writer, written, primitive, plan.mixes[v]) for v in added]
        set_names(mesh, names + added)
        weights = mesh.get("weights") or [0.0] * count
        mesh["weights"] = weights + [0.0] * len(added)
    return writer.finish()


def _target(reader: Reader, writer: Writer, written: Written, primitive: dict[str, Any], mix: Mix) -> dict[str, int]:
    targets = primitive.get("targets", [])
    vertices = reader.gltf["accessors"][primitive["attributes"]["POSITION"]]["count"]
    attributes = [name for name in _DELTAS if any(name in target for target in targets)] or ["POSITION"]
    baked = {}
    for attribute in attributes:
        sources = tuple((targets[i][attribute], w) for i, w in mix.items() if attribute in targets[i])
        key = (attribute, vertices, sources)
        if key not in written:
            delta = np.zeros((vertices, 3), np.float32)
            for source, weight in sources:
                delta += np.float32(weight) * reader.floats(source)[:, :3]
            written[key] = writer.vec3(delta)
        baked[attribute] = written[key]
    return baked
