"""Preparing an uploaded avatar: validation, viseme baking and the thumbnail, against loading the file.

    python -m bench.avatars

The model is a textured ARKit head of about 20,000 vertices with the shapes visemes are mixed from
(the size of a typical Avaturn or MPFB head). The baseline, measured in the same run, is
loading the same file with pygltflib (a plain parse, as any glTF tool must do). Target: the
whole preparation under 2 s on this 2-core machine, in a worker thread.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pygltflib

from avatarium.avatars.rig import arkit, portrait
from avatarium.avatars.rig.baking import bake
from avatarium.avatars.rig.preparation import prepare
from avatarium.gltf.accessors import Reader
from avatarium.gltf.container import parse
from avatarium.gltf.validation import validate
from bench.common import median
from testkit.gltf import ARKIT, Builder, shape_offsets, sphere

REPEATS = 5


def _head() -> bytes:
    builder = Builder()
    builder.dress()
    positions, normals, indices = sphere(0.1, 128, 160, (0.0, 0.0, 0.0))
    targets = {name: shape_offsets(positions, seed) for seed, name in enumerate(ARKIT)}
    builder.node({"name": "Head", "mesh": builder.mesh("Head", positions, normals, indices, targets)})
    return builder.pack()


def _time(step: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return median(times)


def main() -> None:
    data = _head()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "head.glb"
        path.write_bytes(data)
        baseline = _time(lambda: pygltflib.GLTF2().load_binary(str(path)))
    glb = parse(data)
    baked = bake(parse(data), arkit.plan(glb.gltf))
    steps = {
        "parse and validate": _time(lambda: validate(parse(data))),
        "bake 15 visemes": _time(lambda: bake(parse(data), arkit.plan(glb.gltf))),
        "thumbnail": _time(lambda: portrait.render(Reader(baked), [0], 1.0)),
        "whole preparation": _time(lambda: prepare(data)),
    }
    vertices = glb.gltf["accessors"][glb.gltf["meshes"][0]["primitives"][0]["attributes"]["POSITION"]]["count"]
    print(f"model: {len(data) / 2**20:.1f} MiB, {vertices:,} vertices, {len(ARKIT)} ARKit shapes")
    print(f"{'step':<22} {'ms':>8} {'× pygltflib load':>17}")
    print(f"{'pygltflib load':<22} {baseline * 1000:>8.0f} {1.0:>17.2f}")
    for name, seconds in steps.items():
        print(f"{name:<22} {seconds * 1000:>8.0f} {seconds / baseline:>17.2f}")


if __name__ == "__main__":
    main()
