"""The thumbnail of an uploaded model: a shaded front view of the whole model, framed on its face."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from avatarium import png, raster
from avatarium.avatars.rig.targets import names_of
from avatarium.gltf.accessors import Reader
from avatarium.gltf.scene import F64, Surface, surfaces
from avatarium.gltf.textures import Textures

SIZE = 256
BACKGROUND = (238, 241, 246)
MAX_VERTICES = 2_000_000  # what a thumbnail draws at most, whatever the file holds
_HEAD_PER_MOUTH = 2.5  # a face mesh this many times wider or taller than its mouth region is a whole body


def render(reader: Reader, faces: list[int], front: float) -> bytes:
    """A PNG looking at the face meshes from the front (`front` is +1 for models facing +Z, -1 for -Z)."""
    drawn = list(surfaces(reader, MAX_VERTICES))
    textures = Textures(reader)
    center, half = _frame(reader, [s for s in drawn if s.mesh in faces] or drawn)
    flip = np.array([front, 1.0, front])
    meshes = []
    for surface in drawn:
        view = (surface.positions - center) * flip
        pixels = np.stack([(view[:, 0] / half + 1) * SIZE / 2, (1 - view[:, 1] / half) * SIZE / 2, view[:, 2]], axis=1)
        normals = surface.normals * flip
        if not normals.any():
            normals = _vertex_normals(view, surface.triangles)
        triangles = surface.triangles if surface.look.double_sided else _front(pixels, surface.triangles)
        colors = textures.colors(surface)
        if surface.look.cutoff is not None:  # cut-out cards (brows, lashes, hair strands): what is opaque
            triangles = triangles[(colors[triangles, 3] >= surface.look.cutoff).any(axis=1)]
        meshes.append(raster.Mesh(pixels, triangles, raster.shade(normals, colors[:, :3])))
    return png.encode(raster.draw(meshes, SIZE, BACKGROUND))


def _frame(reader: Reader, faces: list[Surface]) -> tuple[F64, float]:
    """The centre and half-width of the view: the face meshes, or the head when the face mesh is a whole body.

    The head is found around the vertices `viseme_aa` moves (the jaw and lips) and up to the eyes.
    """
    points = np.concatenate([s.positions for s in faces]) if faces else np.zeros((1, 3))
    low, high = points.min(axis=0), points.max(axis=0)
    center, half = (low + high) / 2, max(float((high - low)[:2].max()) / 2 * 1.1, 1e-6)
    mouth = np.concatenate([s.positions[_moved(reader, s)] for s in faces]) if faces else points[:0]
    if len(mouth):
        mouth_low, mouth_high = mouth.min(axis=0), mouth.max(axis=0)
        span = float((mouth_high - mouth_low)[:2].max())
        if 0 < span * _HEAD_PER_MOUTH < half:
            half = span * 1.2
            center = (mouth_low + mouth_high) / 2 + np.array([0.0, 0.5 * half, 0.0])
    return center, half


def _moved(reader: Reader, surface: Surface) -> npt.NDArray[np.bool_]:
    """Vertices that `viseme_aa` moves noticeably, on a face mesh that has it."""
    mesh = reader.gltf["meshes"][surface.mesh]
    names = names_of(mesh) or []
    if "viseme_aa" not in names:
        return np.zeros(len(surface.positions), bool)
    target = mesh["primitives"][surface.primitive]["targets"][names.index("viseme_aa")]
    if "POSITION" not in target:
        return np.zeros(len(surface.positions), bool)
    distance = np.linalg.norm(reader.floats(target["POSITION"]), axis=1)
    moved: npt.NDArray[np.bool_] = distance > 0.1 * distance.max() if distance.max() > 0 else distance > 0
    return moved


def _front(pixels: F64, triangles: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The triangles facing the viewer: counter-clockwise on screen, which is clockwise with y pointing down."""
    a, b, c = (pixels[triangles[:, k], :2] for k in range(3))
    area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    front: npt.NDArray[np.int64] = triangles[area < 0]
    return front


def _vertex_normals(positions: F64, triangles: npt.NDArray[np.int64]) -> F64:
    corners = positions[triangles]
    faces = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals = np.zeros_like(positions)
    for k in range(3):
        np.add.at(normals, triangles[:, k], faces)
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    unit: F64 = np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)
    return unit
