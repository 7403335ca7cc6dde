"""The face's morph targets: ARKit blend shapes from the CC0 Face Units, and the 15 Oculus visemes as
weighted mixes of them."""

from __future__ import annotations

import numpy as np

from assets import sources
from assets.part import F64
from avatarium.avatars.rig.arkit import SHAPES, VISEME_MIX


def unit_offsets(vertex_count: int) -> dict[str, F64]:
    """Every ARKit shape as offsets of all base-mesh vertices (metres)."""
    out = {}
    for name in SHAPES:
        index, offsets = sources.face_unit(name)
        dense = np.zeros((vertex_count, 3))
        dense[index] = offsets
        out[name] = dense
    return out


def all_targets_names() -> list[str]:
    return [*VISEME_MIX, *SHAPES]


def all_targets(vertex_count: int) -> dict[str, F64]:
    """The visemes first (the names the API lists), then the ARKit shapes."""
    units = unit_offsets(vertex_count)
    visemes = {
        name: sum((w * units[u] for u, w in mix.items()), np.zeros((vertex_count, 3)))
        for name, mix in VISEME_MIX.items()
    }
    return {**visemes, **units}
