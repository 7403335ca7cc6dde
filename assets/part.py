"""A part of an avatar (skin, eyes, hair…): triangles, attributes and a material, in metres."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Material:
    name: str
    color: tuple[float, float, float, float]  # linear RGBA factor
    roughness: float
    texture: bytes | None = None  # PNG
    alpha_cutoff: float | None = None  # alpha-tested (glTF MASK) when set
    # Thin alpha-tested strokes (hair, brows) are sampled without mipmaps: averaged down the mip chain
    # they fall below the cutoff, and a brow a few pixels tall breaks into specks.
    mipmaps: bool = True
    double_sided: bool = False
    normal_texture: bytes | None = None


@dataclass
class Part:
    name: str
    positions: F64
    triangles: I64
    material: Material
    uvs: F64 | None = None
    colors: F64 | None = None  # linear RGB per vertex, multiplies the material
    source: I64 | None = None  # base-mesh vertex of each vertex, so that it follows the face's morph targets
    targets: dict[str, F64] = field(default_factory=dict)


def sub_mesh(triangles: I64) -> tuple[I64, I64]:
    """The vertices a set of triangles uses, and the triangles renumbered over them."""
    used, inverse = np.unique(triangles, return_inverse=True)
    return used, inverse.reshape(triangles.shape)
