"""Layers grown from the skin (hair, clothes): the body's own triangles where a mask covers it, pushed out."""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from assets.body import base_mesh
from assets.part import F64, I64, sub_mesh


@cache
def body_triangles() -> I64:
    mesh = base_mesh()
    triangles: I64 = mesh.corners[mesh.group_of == mesh.groups.index("body"), :, 0]
    return triangles


def vertex_normals(positions: F64) -> F64:
    triangles = body_triangles()
    a, b, c = (positions[triangles[:, i]] for i in range(3))
    face = np.cross(b - a, c - a)
    normals = np.zeros_like(positions)
    for i in range(3):
        np.add.at(normals, triangles[:, i], face)
    result: F64 = normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    return result


def covered_triangles(mask: F64, partly: bool = False, outside: npt.NDArray[np.bool_] | None = None) -> tuple[I64, I64]:
    """Body triangles the mask covers, renumbered.

    With `partly`, triangles that the mask's edge crosses are kept too, so that the caller can
    draw the edge inside them (by moving vertices onto it, or with alpha): a smooth neckline or
    hairline instead of a staircase of whole triangles. `outside` vertices are never used.
    """
    triangles = body_triangles()
    covered = mask[triangles] > 0.5
    keep = covered.any(axis=1) if partly else covered.all(axis=1)
    if outside is not None:
        keep &= ~outside[triangles].any(axis=1)
    return sub_mesh(triangles[keep])


def smoothstep(edge0: float, edge1: float, x: F64) -> F64:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    result: F64 = t * t * (3 - 2 * t)
    return result
