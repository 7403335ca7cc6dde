"""The shaped body placed in the scene, and the landmarks every part is fitted to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assets.body import Build, base_mesh, shaped
from assets.part import F64, I64

EYE_LEVEL = 1.6  # metres: every bust is placed with the midpoint of its eyes here, at x = z = 0
BUST_DEPTH = 0.47  # metres below the eyes where the bust is cut (mid-chest)
BUST_HALF_WIDTH = 0.24  # metres from the middle where the arms are cut (below the shoulders)


@dataclass
class Frame:
    """The shaped body placed in the scene, with the landmarks the parts are fitted to."""

    positions: F64  # base-mesh vertices in metres, placed
    group: dict[str, I64]  # triangle indices per base-mesh group
    eye_centers: tuple[F64, F64]  # left (+x), right
    eye_radius: float


def frame(build: Build) -> Frame:
    mesh = base_mesh()
    positions = shaped(build)
    group = {name: np.nonzero(mesh.group_of == i)[0] for i, name in enumerate(mesh.groups)}
    centers = []
    radii = []
    for side in ("l", "r"):
        used = np.unique(mesh.corners[group[f"helper-{side}-eye"], :, 0])
        center = positions[used].mean(axis=0)
        centers.append(center)
        radii.append(float(np.linalg.norm(positions[used] - center, axis=1).mean()))
    offset = np.array([0.0, EYE_LEVEL, 0.0]) - (centers[0] + centers[1]) / 2
    offset[0] = 0.0
    return Frame(positions + offset, group, (centers[0] + offset, centers[1] + offset), float(np.mean(radii)))


def in_bust(fr: Frame) -> npt.NDArray[np.bool_]:
    """The base vertices the bust keeps: above mid-chest, the arms cut below the shoulders."""
    x, y, _ = fr.positions.T
    result: npt.NDArray[np.bool_] = (y > EYE_LEVEL - BUST_DEPTH) & (np.abs(x) < BUST_HALF_WIDTH)
    return result
