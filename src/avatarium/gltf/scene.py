"""The scene as it stands: each drawn primitive's triangles in world space (node transforms and skins applied)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from avatarium.gltf.accessors import Reader

F64 = npt.NDArray[np.float64]
_TRIANGLES, _STRIP, _FAN = 4, 5, 6
_SKIN_BLOCK = 65536


@dataclass(frozen=True)
class Surface:
    """One primitive in world space: vertices, unit normals, triangles, and its material's look.

    Triangles list their vertices counter-clockwise seen from their front, even under a mirroring transform.
    """

    mesh: int
    primitive: int
    positions: F64
    normals: F64
    triangles: npt.NDArray[np.int64]
    look: Look
    uv: F64 | None  # the texture coordinates of the base colour texture, when it has one
    tint: F64 | None  # COLOR_0: vertex colours, which multiply the base colour


@dataclass(frozen=True)
class Look:
    color: tuple[float, float, float]  # base colour factor, linear
    double_sided: bool
    image: int | None  # the base colour texture's image
    uv_set: int
    cutoff: float | None  # alpha below which nothing is drawn (alphaMode MASK)


def _local(node: dict[str, Any]) -> F64:
    if "matrix" in node:
        return np.asarray(node["matrix"], np.float64).reshape(4, 4).T  # stored column by column
    x, y, z, w = node.get("rotation", [0.0, 0.0, 0.0, 1.0])
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    matrix = np.eye(4)
    matrix[:3, :3] = rotation * np.asarray(node.get("scale", [1.0, 1.0, 1.0]))
    matrix[:3, 3] = node.get("translation", [0.0, 0.0, 0.0])
    return matrix


def world_matrices(gltf: dict[str, Any]) -> dict[int, F64]:
    """The world matrix of every node under the default scene's roots (every root when there is no scene)."""
    nodes = gltf.get("nodes", [])
    scenes = gltf.get("scenes", [])
    if scenes:
        roots = list(scenes[gltf.get("scene", 0)].get("nodes", []))
    else:
        children = {child for node in nodes for child in node.get("children", [])}
        roots = [index for index in range(len(nodes)) if index not in children]
    world: dict[int, F64] = {}
    pending = [(root, np.eye(4)) for root in roots]
    while pending:
        index, parent = pending.pop()
        world[index] = parent @ _local(nodes[index])
        pending.extend((child, world[index]) for child in nodes[index].get("children", []))
    return world


def _skin(
    reader: Reader, skin: dict[str, Any], world: dict[int, F64], attributes: dict[str, Any], points: F64, normals: F64
) -> tuple[F64, F64]:
    """Vertices moved by their joints: each by the weighted sum of its joints' world × inverse bind matrices."""
    joints = skin["joints"]
    if "inverseBindMatrices" in skin:
        inverse = reader.floats(skin["inverseBindMatrices"])[: len(joints)].reshape(-1, 4, 4).transpose(0, 2, 1)
    else:
        inverse = np.broadcast_to(np.eye(4), (len(joints), 4, 4))
    joint_world = np.stack([world.get(joint, np.eye(4)) for joint in joints]) @ inverse
    which = reader.raw(attributes["JOINTS_0"]).astype(np.int64)
    which = np.where(which < len(joints), which, 0)
    weights = reader.floats(attributes["WEIGHTS_0"]).astype(np.float64)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
    moved, turned = np.empty_like(points), np.empty_like(normals)
    for start in range(0, len(points), _SKIN_BLOCK):  # (block, 4, 4, 4) temporaries, not (vertices, …)
        part = slice(start, start + _SKIN_BLOCK)
        matrices = np.einsum("nk,nkij->nij", weights[part], joint_world[which[part]])
        moved[part] = np.einsum("nij,nj->ni", matrices[:, :3, :3], points[part]) + matrices[:, :3, 3]
        turned[part] = np.einsum("nij,nj->ni", matrices[:, :3, :3], normals[part])
    return moved, turned


def _triangles(reader: Reader, primitive: dict[str, Any], vertices: int) -> npt.NDArray[np.int64]:
    mode = primitive.get("mode", _TRIANGLES)
    order = reader.raw(primitive["indices"])[:, 0].astype(np.int64) if "indices" in primitive else np.arange(vertices)
    if mode == _TRIANGLES:
        return order[: len(order) // 3 * 3].reshape(-1, 3)
    if mode in (_STRIP, _FAN) and len(order) >= 3:
        steps = np.arange(len(order) - 2)
        first = order[steps] if mode == _STRIP else np.full(len(steps), order[0])
        return np.stack([first, order[steps + 1], order[steps + 2]], axis=1)
    return np.zeros((0, 3), np.int64)


def _look(gltf: dict[str, Any], primitive: dict[str, Any]) -> Look:
    material = gltf["materials"][primitive["material"]] if "material" in primitive else {}
    pbr = material.get("pbrMetallicRoughness", {})
    factor = pbr.get("baseColorFactor")
    color = (0.8, 0.8, 0.8)
    if isinstance(factor, list) and len(factor) >= 3 and all(isinstance(c, int | float) for c in factor[:3]):
        color = (float(factor[0]), float(factor[1]), float(factor[2]))
    texture = pbr.get("baseColorTexture")
    image = gltf["textures"][texture["index"]].get("source") if isinstance(texture, dict) else None
    uv_set = texture.get("texCoord", 0) if isinstance(texture, dict) else 0
    uv_set = uv_set if isinstance(uv_set, int) else 0
    cutoff = material.get("alphaCutoff", 0.5) if material.get("alphaMode") == "MASK" else None
    cutoff = float(cutoff) if isinstance(cutoff, int | float) else None
    return Look(color, material.get("doubleSided") is True, image, uv_set, cutoff)


def surfaces(reader: Reader, max_vertices: int) -> Iterator[Surface]:
    """The triangle primitives of the default scene, posed as the file stands, up to `max_vertices` in all."""
    gltf = reader.gltf
    world = world_matrices(gltf)
    for index, matrix in world.items():
        node = gltf["nodes"][index]
        if "mesh" not in node:
            continue
        for number, primitive in enumerate(gltf["meshes"][node["mesh"]]["primitives"]):
            attributes = primitive["attributes"]
            max_vertices -= gltf["accessors"][attributes["POSITION"]]["count"]
            if max_vertices < 0:
                return
            positions = reader.floats(attributes["POSITION"]).astype(np.float64)
            normals = (
                reader.floats(attributes["NORMAL"]).astype(np.float64)
                if "NORMAL" in attributes
                else np.zeros_like(positions)
            )
            if "skin" in node and "JOINTS_0" in attributes and "WEIGHTS_0" in attributes:
                # A skinned mesh ignores its node's transform: its joints place it (glTF 2.0, section 3.7.3).
                skin = gltf["skins"][node["skin"]]
                positions, normals = _skin(reader, skin, world, attributes, positions, normals)
                mirrored = False
            else:
                positions = positions @ matrix[:3, :3].T + matrix[:3, 3]
                normals = normals @ np.linalg.pinv(matrix[:3, :3])  # the inverse transpose, for row vectors
                mirrored = bool(np.linalg.det(matrix[:3, :3]) < 0)
            lengths = np.linalg.norm(normals, axis=1, keepdims=True)
            normals = np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)
            triangles = _triangles(reader, primitive, len(positions))
            if mirrored:  # a negative scale turns the winding of front faces around (glTF 2.0, section 3.7.4)
                triangles = triangles[:, ::-1]
            look = _look(gltf, primitive)
            coordinates = attributes.get(f"TEXCOORD_{look.uv_set}") if look.image is not None else None
            uv = reader.floats(coordinates).astype(np.float64)[:, :2] if coordinates is not None else None
            tint = reader.floats(attributes["COLOR_0"]).astype(np.float64)[:, :3] if "COLOR_0" in attributes else None
            yield Surface(node["mesh"], number, positions, normals, triangles, look, uv, tint)
