"""Damaged files of every kind are refused with a GltfError (a 400), never a crash (a 500)."""

from __future__ import annotations

import random
from typing import Any

from avatarium.avatars.rig.preparation import prepare
from avatarium.gltf.container import GltfError
from avatarium.visemes import VISEMES
from testkit import gltf

_VALUES: list[Any] = [None, -1, 0, 1, 3, 2**31, 1.5, float("inf"), "x", [], {}, True, [0], {"a": 1}, 5126, "VEC3"]


def _mutate(rng: random.Random, document: Any) -> None:
    """Replace one value somewhere in the JSON document with a value of another kind or range."""
    node = document
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return
        key = rng.choice(keys)
        if rng.random() < 0.3 or not isinstance(node[key], dict | list):
            node[key] = rng.choice(_VALUES)
            return
        node = node[key]


def _flip_bytes(rng: random.Random, data: bytes) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    return bytes(damaged)


def test_damaged_files_are_refused_or_served_never_a_crash() -> None:
    rng = random.Random(12)
    outcomes = {"refused": 0, "served": 0}
    models = [gltf.arkit_model(), gltf.vrm_model(0), gltf.vrm_model(1), gltf.oculus_model()]
    for _ in range(60):
        original = rng.choice(models)
        if rng.random() < 0.75:
            served = gltf.Served(original)
            for _ in range(rng.randint(1, 3)):
                _mutate(rng, served.gltf)
            data = gltf.pack(served.gltf, served.blob)
        else:
            data = _flip_bytes(rng, original)
        try:
            prepared = prepare(data)
        except GltfError as exc:
            assert str(exc)
            outcomes["refused"] += 1
        else:
            assert set(VISEMES) <= set(prepared.morph_targets)
            outcomes["served"] += 1
    assert outcomes["refused"] > 10 and outcomes["served"] > 5, outcomes  # both outcomes are exercised
