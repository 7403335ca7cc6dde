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
_BATCH = 1_000_000  # candidate pixels per pass (about 100 MB of temporaries)
BUDGET = 40_000_000  # candidate pixels per image: triangles past it are not drawn (a bound on the time taken)


@dataclass(frozen=True)
class Mesh:
    """Triangles in view space: x right and y down in pixels, z towards the viewer; a linear colour per vertex."""

    vertices: F64
    triangles: npt.NDArray[np.int64]
    colors: F64


def shade(normals: F64, colors: F64) -> F64:
    """Lambert shading of vertex colours (or one colour for all) by a light above left of the viewer."""
    facing = np.abs(normals @ _LIGHT)
    light = _AMBIENT + (1 - _AMBIENT) * facing
    shaded: F64 = np.clip(light[:, None] * colors, 0.0, 1.0)
    return shaded


def draw(
    meshes: list[Mesh], size: int, background: tuple[int, int, int], supersample: int = 2
) -> npt.NDArray[np.uint8]:
    """An sRGB image of `size`×`size` pixels (vertices in pixels of that size), antialiased by supersampling."""
    full = size * supersample
    depth = np.full(full * full, -np.inf)
    image = np.tile(np.asarray(background, np.float64) / 255.0, (full * full, 1)) ** 2.2
    budget = BUDGET
    for mesh in meshes:
        budget = _draw(mesh, full, supersample, depth, image, budget)
    image = image.reshape(size, supersample, size, supersample, 3).mean(axis=(1, 3))
    srgb: npt.NDArray[np.uint8] = (np.clip(image, 0.0, 1.0) ** (1 / 2.2) * 255 + 0.5).astype(np.uint8)
    return srgb


def _draw(mesh: Mesh, full: int, scale: int, depth: F64, image: F64, budget: int) -> int:
    """Draw the mesh's triangles while candidate pixels remain in the budget; returns what remains."""
    corners = mesh.vertices[mesh.triangles] * np.array([scale, scale, 1.0])  # (T, 3, 3)
    inside = np.isfinite(corners).all(axis=(1, 2))
    corners[~inside] = 0.0
    planes = _planes(corners)
    inside &= np.isfinite(planes).all(axis=1)
    inside &= (corners[:, :, 0].max(axis=1) >= 0) & (corners[:, :, 0].min(axis=1) < full)
    inside &= (corners[:, :, 1].max(axis=1) >= 0) & (corners[:, :, 1].min(axis=1) < full)
    low = np.floor(corners[:, :, :2].min(axis=1)).astype(np.int64).clip(0, full - 1)
    high = np.ceil(corners[:, :, :2].max(axis=1)).astype(np.int64).clip(0, full - 1)
    size = high - low + 1
    visible = np.flatnonzero(inside)
    total = np.cumsum((size[:, 0] * size[:, 1])[visible])
    visible, total = visible[total <= budget], total[total <= budget]
    batch = total // _BATCH
    for number in np.unique(batch):
        part = visible[batch == number]
        _fill(mesh, planes, low, size, part, full, depth, image)
    return budget - int(total[-1]) if len(total) else budget


def _planes(corners: F64) -> F64:
    """Per triangle, the barycentric weights of its 2nd and 3rd vertices and its depth as planes a·x + b·y + c.

    Evaluating three planes per candidate pixel is much cheaper than edge functions over gathered corners.
    """
    a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
        first = np.stack([(c[:, 1] - a[:, 1]) / area, -(c[:, 0] - a[:, 0]) / area], axis=1)
        second = np.stack([-(b[:, 1] - a[:, 1]) / area, (b[:, 0] - a[:, 0]) / area], axis=1)
        first = np.concatenate([first, -(first * a[:, :2]).sum(axis=1, keepdims=True)], axis=1)
        second = np.concatenate([second, -(second * a[:, :2]).sum(axis=1, keepdims=True)], axis=1)
        depth = a[:, 2, None] * np.array([0.0, 0.0, 1.0]) + first * (b[:, 2] - a[:, 2])[:, None]
        depth += second * (c[:, 2] - a[:, 2])[:, None]
        planes: F64 = np.concatenate([first, second, depth], axis=1)  # (T, 9)
    planes[np.abs(area) < 1e-12] = np.nan
    return planes


def _fill(
    mesh: Mesh,
    planes: F64,
    low: npt.NDArray[np.int64],
    size: npt.NDArray[np.int64],
    part: npt.NDArray[np.int64],
    full: int,
    depth: F64,
    image: F64,
) -> None:
    """Rasterise some triangles: every pixel centre of their bounding boxes, tested at once."""
    counts = size[part, 0] * size[part, 1]
    owner = np.repeat(part, counts)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    across = size[owner, 0]
    px, py = low[owner, 0] + offset % across, low[owner, 1] + offset // across
    x, y = px + 0.5, py + 0.5
    plane = planes[owner]
    second = plane[:, 0] * x + plane[:, 1] * y + plane[:, 2]
    third = plane[:, 3] * x + plane[:, 4] * y + plane[:, 5]
    keep = (second >= 0) & (third >= 0) & (second + third <= 1)
    owner, second, third = owner[keep], second[keep], third[keep]
    z = plane[keep, 6] * x[keep] + plane[keep, 7] * y[keep] + plane[keep, 8]
    pixel = py[keep] * full + px[keep]
    # The nearest fragment of each pixel wins, against this batch and what is already drawn.
    np.maximum.at(depth, pixel, z)
    won = z >= depth[pixel]
    colors = mesh.colors[mesh.triangles[owner[won]]]  # (n, 3 vertices, rgb)
    second, third = second[won, None], third[won, None]
    image[pixel[won]] = colors[:, 0] * (1 - second - third) + colors[:, 1] * second + colors[:, 2] * third
