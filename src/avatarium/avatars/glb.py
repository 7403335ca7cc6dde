"""Builds each avatar's glTF 2.0 binary: a head whose mesh has one morph target per viseme.

The geometry is procedural (a shaded head, hair cap and eyes), so it ships no
binary assets; the morph targets move the mouth region so that the viseme
timings of the TTS results can drive lip-sync in any glTF viewer (three.js reads
`mesh.extras.targetNames`).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from avatarium.visemes import MOUTH_SHAPES, VISEMES, MouthShape

F32 = npt.NDArray[np.float32]
U16 = npt.NDArray[np.uint16]

_FLOAT, _USHORT = 5126, 5123
_ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 34962, 34963
_MOUTH_CENTER = np.array([0.0, -0.045, 0.085], dtype=np.float32)


def _sphere(radius: Sequence[float], rings: int, segments: int, center: Sequence[float]) -> tuple[F32, F32, U16]:
    theta = np.linspace(0.0, np.pi, rings + 1)
    phi = np.linspace(0.0, 2 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.sin(p), np.cos(t), np.sin(t) * np.cos(p)], axis=-1).reshape(-1, 3)
    positions = (unit * np.asarray(radius) + np.asarray(center)).astype(np.float32)
    normals = unit / np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-9)
    faces = []
    for r in range(rings):
        for s in range(segments):
            a = r * (segments + 1) + s
            b = a + segments + 1
            faces += [(a, b, a + 1), (a + 1, b, b + 1)]
    return positions, normals.astype(np.float32), np.asarray(faces, dtype=np.uint16).reshape(-1)


def _mouth_offsets(positions: F32, shape: MouthShape) -> F32:
    """Displacements of the head's vertices for one mouth shape, fading out from the mouth."""
    rel = positions - _MOUTH_CENTER
    weight = np.exp(-(rel[:, 0] ** 2 / 0.0012 + rel[:, 1] ** 2 / 0.0006)) * (positions[:, 2] > 0.03)
    lower = (rel[:, 1] < 0).astype(np.float32)
    offsets = np.zeros_like(positions)
    offsets[:, 1] -= shape.jaw_open * 0.025 * weight * lower
    offsets[:, 1] += shape.jaw_open * 0.004 * weight * (1 - lower)
    offsets[:, 0] += shape.width * rel[:, 0] * 0.35 * weight
    offsets[:, 0] -= shape.rounding * rel[:, 0] * 0.35 * weight
    offsets[:, 2] += shape.rounding * 0.012 * weight
    offsets[:, 1] += shape.press * 0.004 * weight * (lower - (1 - lower))
    return offsets.astype(np.float32)


class _Builder:
    def __init__(self) -> None:
        self.blob = bytearray()
        self.views: list[dict[str, object]] = []
        self.accessors: list[dict[str, object]] = []

    def add(self, array: npt.NDArray[np.generic], kind: str, target: int) -> int:
        while len(self.blob) % 4:
            self.blob.append(0)
        data = np.ascontiguousarray(array).tobytes()
        self.views.append({"buffer": 0, "byteOffset": len(self.blob), "byteLength": len(data), "target": target})
        self.blob.extend(data)
        accessor: dict[str, object] = {
            "bufferView": len(self.views) - 1,
            "componentType": _FLOAT if array.dtype == np.float32 else _USHORT,
            "count": int(array.shape[0]),
            "type": kind,
        }
        if kind == "VEC3":
            accessor["min"] = [float(v) for v in array.min(axis=0)]
            accessor["max"] = [float(v) for v in array.max(axis=0)]
        self.accessors.append(accessor)
        return len(self.accessors) - 1

    def primitive(self, positions: F32, normals: F32, indices: U16, material: int) -> dict[str, object]:
        return {
            "attributes": {
                "POSITION": self.add(positions, "VEC3", _ARRAY_BUFFER),
                "NORMAL": self.add(normals, "VEC3", _ARRAY_BUFFER),
            },
            "indices": self.add(indices, "SCALAR", _ELEMENT_ARRAY_BUFFER),
            "material": material,
        }


def _material(name: str, color: Sequence[float], roughness: float) -> dict[str, object]:
    return {
        "name": name,
        "pbrMetallicRoughness": {"baseColorFactor": [*color, 1.0], "metallicFactor": 0.0, "roughnessFactor": roughness},
    }


def build_glb(name: str, skin: Sequence[float], hair: Sequence[float]) -> bytes:
    builder = _Builder()
    head_pos, head_norm, head_idx = _sphere((0.1, 0.125, 0.105), 48, 64, (0.0, 0.0, 0.0))
    face = builder.primitive(head_pos, head_norm, head_idx, 0)
    face["targets"] = [
        {"POSITION": builder.add(_mouth_offsets(head_pos, MOUTH_SHAPES[v]), "VEC3", _ARRAY_BUFFER)} for v in VISEMES
    ]
    hair_pos, hair_norm, hair_idx = _sphere((0.106, 0.13, 0.11), 24, 48, (0.0, 0.012, -0.008))
    keep = hair_pos[:, 1] > 0.04
    triangles = hair_idx.reshape(-1, 3)
    hair_tris: U16 = triangles[keep[triangles].all(axis=1)].reshape(-1)
    eye_meshes = [_sphere((0.013, 0.013, 0.01), 12, 16, (x, 0.025, 0.092)) for x in (-0.035, 0.035)]

    gltf = {
        "asset": {"version": "2.0", "generator": "avatarium"},
        "scene": 0,
        "scenes": [{"name": name, "nodes": [0]}],
        "nodes": [
            {"name": name, "children": [1, 2, 3], "translation": [0.0, 1.6, 0.0]},
            {"name": "Head", "mesh": 0},
            {"name": "Hair", "mesh": 1},
            {"name": "Eyes", "mesh": 2},
        ],
        "meshes": [
            {
                "name": "Head",
                "primitives": [face],
                "weights": [0.0] * len(VISEMES),
                "extras": {"targetNames": list(VISEMES)},
            },
            {"name": "Hair", "primitives": [builder.primitive(hair_pos, hair_norm, hair_tris, 1)]},
            {"name": "Eyes", "primitives": [builder.primitive(*eye, 2) for eye in eye_meshes]},
        ],
        "materials": [
            _material("Skin", skin, 0.7),
            _material("Hair", hair, 0.9),
            _material("Eyes", (0.05, 0.05, 0.07), 0.2),
        ],
    }
    while len(builder.blob) % 4:
        builder.blob.append(0)
    gltf["buffers"] = [{"byteLength": len(builder.blob)}]
    gltf["bufferViews"] = builder.views
    gltf["accessors"] = builder.accessors
    return _pack(json.dumps(gltf, separators=(",", ":")).encode(), bytes(builder.blob))


def _pack(json_chunk: bytes, bin_chunk: bytes) -> bytes:
    json_chunk += b" " * (-len(json_chunk) % 4)
    total = 12 + 8 + len(json_chunk) + 8 + len(bin_chunk)
    return b"".join(
        [
            struct.pack("<4sII", b"glTF", 2, total),
            struct.pack("<I4s", len(json_chunk), b"JSON"),
            json_chunk,
            struct.pack("<I4s", len(bin_chunk), b"BIN\x00"),
            bin_chunk,
        ]
    )
