"""The MakeHuman base mesh shaped into one person: macro targets (sex, age, ancestry, weight) applied."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from assets import sources

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BaseMesh:
    positions: F64  # (n, 3) metres, MakeHuman's rest pose
    uvs: F64  # (m, 2), glTF orientation (v from the top)
    corners: I64  # (t, 3, 2): each triangle's (vertex, uv) pairs
    groups: tuple[str, ...]  # group name of each triangle's polygon
    group_of: I64  # (t,) index into groups


@cache
def base_mesh() -> BaseMesh:
    positions: list[list[float]] = []
    uvs: list[list[float]] = []
    corners: list[list[tuple[int, int]]] = []
    group_of: list[int] = []
    groups: list[str] = []
    current = -1
    for line in sources.base_mesh().splitlines():
        if line.startswith("v "):
            positions.append([float(x) for x in line.split()[1:4]])
        elif line.startswith("vt "):
            u, v = (float(x) for x in line.split()[1:3])
            uvs.append([u, 1.0 - v])
        elif line.startswith("g "):
            groups.append(line.split()[1])
            current = len(groups) - 1
        elif line.startswith("f "):
            polygon = [tuple(int(i) - 1 for i in c.split("/")[:2]) for c in line.split()[1:]]
            for k in range(1, len(polygon) - 1):  # fan: MakeHuman's polygons are convex quads
                corners.append([polygon[0], polygon[k], polygon[k + 1]])  # type: ignore[list-item]
                group_of.append(current)
    return BaseMesh(
        np.asarray(positions) * sources.MAKEHUMAN_UNIT,
        np.asarray(uvs),
        np.asarray(corners, dtype=np.int64),
        tuple(groups),
        np.asarray(group_of, dtype=np.int64),
    )


@dataclass(frozen=True)
class Build:
    """Body proportions as MakeHuman's macro sliders see them."""

    female: float  # 1 = female, 0 = male
    age: float  # years, 18..90
    african: float
    asian: float
    caucasian: float
    weight: float = 0.0  # 0 = average, 1 = MakeHuman's heaviest


def _age_weights(age: float) -> dict[str, float]:
    # MakeHuman's macro targets are drawn at 25 ("young") and 90 ("old") years.
    old = float(np.clip((age - 25.0) / 65.0, 0.0, 1.0))
    return {"young": 1.0 - old, "old": old}


def shaped(build: Build) -> F64:
    """The base mesh's vertices with the macro targets of this build applied."""
    positions = base_mesh().positions.copy()
    ancestry = {"african": build.african, "asian": build.asian, "caucasian": build.caucasian}
    sexes = {"female": build.female, "male": 1.0 - build.female}
    ages = _age_weights(build.age)
    for origin, a in ancestry.items():
        for sex, s in sexes.items():
            for age, g in ages.items():
                _apply(positions, f"macrodetails/{origin}-{sex}-{age}", a * s * g)
    for sex, s in sexes.items():
        for age, g in ages.items():
            _apply(positions, f"macrodetails/universal-{sex}-{age}-averagemuscle-maxweight", build.weight * s * g)
    return positions


def _apply(positions: F64, name: str, weight: float) -> None:
    if weight <= 1e-6:
        return
    index, offsets = sources.target(name)
    positions[index] += weight * offsets
