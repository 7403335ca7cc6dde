"""A small software rasteriser: shaded triangles, orthographic, with a depth buffer, all in numpy.

Each triangle is tested against the pixel centres of its bounding box, all triangles at once
(the candidate pixels are laid out with `np.repeat`), so an image costs a few array passes
rather than a Python loop per triangle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
_LIGHT = np.array([-0.35, 0.45, 0.82]) / np.linalg.norm([-0.35, 0.45, 0.82])
_AMBIENT = 0.32
_BUDGET = 2_000_000  # candidate pixels per pass (about 100 MB of temporaries), whatever the triangles


@dataclass(frozen=True)
class Mesh:
    """Triangles in view space: x right and y down in pixels, z towards the viewer; a linear colour per vertex."""

    vertices: F64
    triangles: npt.NDArray[np.int64]
    colors: F64


def shade(normals: F64, color: tuple[float, float, float]) -> F64:
    """Lambert shading from a light above left of the viewer; faces turned away are lit as if facing it."""
    facing = np.abs(normals @ _LIGHT)
    light = _AMBIENT + (1 - _AMBIENT) * facing
    shaded: F64 = np.clip(light[:, None] * np.asarray(color)[None, :], 0.0, 1.0)
    return shaded


def draw(
    meshes: list[Mesh], size: int, background: tuple[int, int, int], supersample: int = 2
) -> npt.NDArray[np.uint8]:
    """An sRGB image of `size`×`size` pixels (vertices in pixels of that size), antialiased by supersampling."""
    full = size * supersample
    depth = np.full(full * full, -np.inf)
    image = np.tile(np.asarray(background, np.float64) / 255.0, (full * full, 1)) ** 2.2
    for mesh in meshes:
        _draw(mesh, full, supersample, depth, image)
    image = image.reshape(size, supersample, size, supersample, 3).mean(axis=(1, 3))
    srgb: npt.NDArray[np.uint8] = (np.clip(image, 0.0, 1.0) ** (1 / 2.2) * 255 + 0.5).astype(np.uint8)
    return srgb


def _draw(mesh: Mesh, full: int, scale: int, depth: F64, image: F64) -> None:
    corners = mesh.vertices[mesh.triangles] * np.array([scale, scale, 1.0])  # (T, 3, 3)
    low = np.floor(corners[:, :, :2].min(axis=1)).astype(np.int64).clip(0, full - 1)
    high = np.ceil(corners[:, :, :2].max(axis=1)).astype(np.int64).clip(0, full - 1)
    width, height = high[:, 0] - low[:, 0] + 1, high[:, 1] - low[:, 1] + 1
    inside = (corners[:, :, 0].max(axis=1) >= 0) & (corners[:, :, 0].min(axis=1) < full)
    inside &= (corners[:, :, 1].max(axis=1) >= 0) & (corners[:, :, 1].min(axis=1) < full)
    visible = np.flatnonzero(inside)
    batch = np.cumsum((width * height)[visible]) // _BUDGET
    for number in np.unique(batch):
        _fill(mesh, corners, low, width, height, visible[batch == number], full, depth, image)


def _fill(
    mesh: Mesh,
    corners: F64,
    low: npt.NDArray[np.int64],
    width: npt.NDArray[np.int64],
    height: npt.NDArray[np.int64],
    part: npt.NDArray[np.int64],
    full: int,
    depth: F64,
    image: F64,
) -> None:
    counts = width[part] * height[part]
    owner = np.repeat(part, counts)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    px = low[owner, 0] + offset % width[owner] + 0.5
    py = low[owner, 1] + offset // width[owner] + 0.5
    a, b, c = corners[owner, 0], corners[owner, 1], corners[owner, 2]
    area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    w0 = (b[:, 0] - px) * (c[:, 1] - py) - (b[:, 1] - py) * (c[:, 0] - px)
    w1 = (c[:, 0] - px) * (a[:, 1] - py) - (c[:, 1] - py) * (a[:, 0] - px)
    keep = (np.abs(area) > 1e-12) & (w0 * area >= 0) & (w1 * area >= 0) & ((area - w0 - w1) * area >= 0)
    weights = np.stack([w0, w1, area - w0 - w1], axis=1)[keep] / area[keep, None]
    owner = owner[keep]
    pixel = py[keep].astype(np.int64) * full + px[keep].astype(np.int64)
    z = np.einsum("nk,nk->n", weights, corners[owner, :, 2])
    colors = np.einsum("nk,nkc->nc", weights, mesh.colors[mesh.triangles[owner]])
    # Nearest first within each pixel, then the first of each pixel wins if nearer than what is drawn.
    order = np.lexsort((-z, pixel))
    pixel, z, colors = pixel[order], z[order], colors[order]
    first = np.ones(len(pixel), bool)
    first[1:] = pixel[1:] != pixel[:-1]
    pixel, z, colors = pixel[first], z[first], colors[first]
    nearer = z > depth[pixel]
    depth[pixel[nearer]] = z[nearer]
    image[pixel[nearer]] = colors[nearer]
