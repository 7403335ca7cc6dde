"""Clothes: layers of the torso pushed out from the skin, cut at a neckline, in woven-cloth textures."""

from __future__ import annotations

import numpy as np

from assets import textures
from assets.frame import EYE_LEVEL, Frame, in_bust
from assets.look import Look
from assets.part import F64, Material, Part
from assets.shell import covered_triangles, smoothstep, vertex_normals

# Each outfit: layers from the inside out, as (neckline depth at the front, V width, thickness, colour slot).
OUTFITS: dict[str, list[tuple[float, float, float, int]]] = {
    "tee": [(0.05, 0.0, 0.004, 0)],
    "vneck": [(0.1, 0.075, 0.004, 0)],
    "shirt": [(0.07, 0.03, 0.004, 0)],
    "blazer": [(0.05, 0.0, 0.004, 1), (0.2, 0.1, 0.012, 0)],
    "cardigan": [(0.05, 0.0, 0.004, 1), (0.15, 0.085, 0.009, 0)],
    "scrubs": [(0.08, 0.06, 0.006, 0)],
}
_COLLAR = 0.165  # metres below the eyes where a collar sits at the back of the neck
_NECK_HALF_WIDTH = 0.06
_EDGE_SCALE = 0.8  # metres of distance below the neckline per unit of the cloth texture's v


def coverage(fr: Frame, front_depth: float, v_width: float) -> tuple[F64, F64]:
    """1 where a layer with this neckline covers the base vertex, and the neckline's height there.

    The collar rises steeply beyond the neck's half width, so the shoulders are always covered.
    """
    x, y, z = fr.positions.T
    neck_z = float(np.median(z[(np.abs(y - (EYE_LEVEL - 0.2)) < 0.01) & (np.abs(x) < 0.05)]))
    front = smoothstep(neck_z - 0.02, neck_z + 0.04, z)
    dip = front_depth * front
    if v_width:
        dip = dip * np.clip(1 - np.abs(x) / v_width, 0, 1) + 0.04 * front
    line = EYE_LEVEL - _COLLAR - dip + np.maximum(0.0, np.abs(x) - _NECK_HALF_WIDTH) * 3.0
    result: F64 = (y < line).astype(float)
    return result, line


def make(fr: Frame, look: Look) -> tuple[list[Part], F64]:
    """The clothing parts, and how covered each base vertex is (hidden skin is left out)."""
    normals = vertex_normals(fr.positions)
    parts = []
    covered = np.zeros(len(fr.positions))
    outside = ~in_bust(fr)
    for i, (depth, width, thickness, slot) in enumerate(OUTFITS[look.outfit]):
        mask, line = coverage(fr, depth, width)
        covered = np.maximum(covered, mask)
        used, local = covered_triangles(mask, partly=True, outside=outside)
        positions = fr.positions[used] + normals[used] * thickness
        theta = np.arctan2(positions[:, 0], positions[:, 2])
        # v measures the distance below the neckline; the texture is transparent above its edge
        # (v < 0.5), so the neckline is drawn where the interpolated distance crosses zero.
        below = (line[used] - fr.positions[used, 1]) / _EDGE_SCALE
        uvs = np.stack([theta * 3.0, np.clip(textures.CLOTH_EDGE + below, 0.0, 0.999)], axis=1)
        color = look.outfit_colors[slot]
        texture = textures.cloth(color, look.seed + 11 + i, weave=0.12)
        material = Material(
            f"Cloth{i}", (1.0, 1.0, 1.0, 1.0), 0.85, texture=texture, alpha_cutoff=0.5, double_sided=True
        )
        parts.append(Part(f"Cloth{i}", positions, local, material, uvs=uvs))
    return parts, covered
