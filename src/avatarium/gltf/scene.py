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


@dataclass(frozen=True)
class Surface:
    """One primitive in world space: vertices, unit normals, triangles (vertex indices) and its base colour."""

    mesh: int
    primitive: int
    positions: F64
    normals: F64
    triangles: npt.NDArray[np.int64]
    color: tuple[float, float, float]


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


def _skin_matrices(reader: Reader, skin: dict[str, Any], world: dict[int, F64], attributes: dict[str, Any]) -> F64:
    """Each vertex's skinning matrix: the weighted sum of its joints' world × inverse bind matrices."""
    joints = skin["joints"]
    if "inverseBindMatrices" in skin:
        inverse = reader.floats(skin["inverseBindMatrices"])[: len(joints)].reshape(-1, 4, 4).transpose(0, 2, 1)
    else:
        inverse = np.broadcast_to(np.eye(4), (len(joints), 4, 4))
    joint_world = np.stack([world.get(joint, np.eye(4)) for joint in joints]) @ inverse
    which = reader.raw(attributes["JOINTS_0"]).astype(np.int64)
    weights = reader.floats(attributes["WEIGHTS_0"]).astype(np.float64)
    which = np.where(which < len(joints), which, 0)
    total = np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
    matrices: F64 = np.einsum("nk,nkij->nij", weights / total, joint_world[which])
    return matrices


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


def _color(gltf: dict[str, Any], primitive: dict[str, Any]) -> tuple[float, float, float]:
    materials = gltf.get("materials", [])
    material = materials[primitive["material"]] if "material" in primitive else {}
    r, g, b, *_ = (material.get("pbrMetallicRoughness") or {}).get("baseColorFactor", [0.8, 0.8, 0.8, 1.0])
    return float(r), float(g), float(b)


def surfaces(reader: Reader) -> Iterator[Surface]:
    """Every triangle primitive of the default scene, posed as the file stands."""
    gltf = reader.gltf
    world = world_matrices(gltf)
    for index, matrix in world.items():
        node = gltf["nodes"][index]
        if "mesh" not in node:
            continue
        for number, primitive in enumerate(gltf["meshes"][node["mesh"]]["primitives"]):
            attributes = primitive["attributes"]
            positions = reader.floats(attributes["POSITION"]).astype(np.float64)
            normals = (
                reader.floats(attributes["NORMAL"]).astype(np.float64)
                if "NORMAL" in attributes
                else np.zeros_like(positions)
            )
            if "skin" in node and "JOINTS_0" in attributes and "WEIGHTS_0" in attributes:
                # A skinned mesh ignores its node's transform: its joints place it (glTF 2.0, section 3.7.3).
                skinning = _skin_matrices(reader, gltf["skins"][node["skin"]], world, attributes)
                positions = np.einsum("nij,nj->ni", skinning[:, :3, :3], positions) + skinning[:, :3, 3]
                normals = np.einsum("nij,nj->ni", skinning[:, :3, :3], normals)
            else:
                positions = positions @ matrix[:3, :3].T + matrix[:3, 3]
                normals = normals @ np.linalg.inv(matrix[:3, :3]).T if np.linalg.det(matrix[:3, :3]) else normals
            lengths = np.linalg.norm(normals, axis=1, keepdims=True)
            normals = np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)
            triangles = _triangles(reader, primitive, len(positions))
            yield Surface(node["mesh"], number, positions, normals, triangles, _color(gltf, primitive))
