"""Writes parts as a glTF 2.0 binary that three.js's stock GLTFLoader reads: float attributes,
PNG textures, and morph targets as sparse accessors (only the vertices a target moves are stored)."""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from assets.part import F64, Material, Part

_FLOAT, _USHORT, _UINT = 5126, 5123, 5125
_ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 34962, 34963
_MOVED = 1e-6  # metres: smaller offsets are not stored
_LINEAR, _LINEAR_MIPMAP_LINEAR, _REPEAT = 9729, 9987, 10497
_SAMPLERS = [
    {"magFilter": _LINEAR, "minFilter": _LINEAR_MIPMAP_LINEAR, "wrapS": _REPEAT, "wrapT": _REPEAT},
    {"magFilter": _LINEAR, "minFilter": _LINEAR, "wrapS": _REPEAT, "wrapT": _REPEAT},
]
_MIPMAPPED, _NO_MIPMAPS = 0, 1


@dataclass(frozen=True)
class Mesh:
    name: str
    parts: Sequence[Part]
    target_names: Sequence[str] = ()


@dataclass
class _Writer:
    blob: bytearray = field(default_factory=bytearray)
    views: list[dict[str, object]] = field(default_factory=list)
    accessors: list[dict[str, object]] = field(default_factory=list)
    images: list[dict[str, object]] = field(default_factory=list)
    textures: list[dict[str, object]] = field(default_factory=list)
    materials: list[dict[str, object]] = field(default_factory=list)
    material_ids: dict[str, int] = field(default_factory=dict)

    def view(self, data: bytes, target: int | None = None) -> int:
        self.blob.extend(b"\0" * (-len(self.blob) % 4))
        view: dict[str, object] = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self.blob.extend(data)
        self.views.append(view)
        return len(self.views) - 1

    def accessor(self, array: npt.NDArray[np.generic], kind: str, target: int | None, bounds: bool = False) -> int:
        component = {np.dtype(np.float32): _FLOAT, np.dtype(np.uint16): _USHORT, np.dtype(np.uint32): _UINT}
        accessor: dict[str, object] = {
            "bufferView": self.view(np.ascontiguousarray(array).tobytes(), target),
            "componentType": component[array.dtype],
            "count": int(array.shape[0]),
            "type": kind,
        }
        if bounds:
            accessor["min"] = [float(v) for v in array.min(axis=0)]
            accessor["max"] = [float(v) for v in array.max(axis=0)]
        self.accessors.append(accessor)
        return len(self.accessors) - 1

    def sparse(self, offsets: F64) -> int:
        """A morph target's POSITION accessor: zeros except the moved vertices."""
        values = _f32(offsets)
        moved = np.nonzero(np.abs(values).max(axis=1) > _MOVED)[0]
        accessor: dict[str, object] = {"componentType": _FLOAT, "count": len(values), "type": "VEC3"}
        kept = np.where(np.abs(values).max(axis=1, keepdims=True) > _MOVED, values, np.float32(0))
        accessor["min"] = [float(v) for v in kept.min(axis=0)]
        accessor["max"] = [float(v) for v in kept.max(axis=0)]
        if len(moved):
            index_type = np.uint16 if len(values) < 65536 else np.uint32
            accessor["sparse"] = {
                "count": len(moved),
                "indices": {
                    "bufferView": self.view(moved.astype(index_type).tobytes()),
                    "componentType": _USHORT if index_type is np.uint16 else _UINT,
                },
                "values": {"bufferView": self.view(np.ascontiguousarray(values[moved]).tobytes())},
            }
        self.accessors.append(accessor)
        return len(self.accessors) - 1

    def texture(self, png: bytes, sampler: int) -> int:
        self.images.append({"bufferView": self.view(png), "mimeType": "image/png"})
        self.textures.append({"sampler": sampler, "source": len(self.images) - 1})
        return len(self.textures) - 1

    def material(self, material: Material) -> int:
        if material.name in self.material_ids:
            return self.material_ids[material.name]
        pbr: dict[str, object] = {
            "baseColorFactor": list(material.color),
            "metallicFactor": 0.0,
            "roughnessFactor": material.roughness,
        }
        if material.texture is not None:
            sampler = _MIPMAPPED if material.mipmaps else _NO_MIPMAPS
            pbr["baseColorTexture"] = {"index": self.texture(material.texture, sampler)}
        out: dict[str, object] = {"name": material.name, "pbrMetallicRoughness": pbr}
        if material.alpha_cutoff is not None:
            out["alphaMode"] = "MASK"
            out["alphaCutoff"] = material.alpha_cutoff
        if material.double_sided:
            out["doubleSided"] = True
        self.materials.append(out)
        self.material_ids[material.name] = len(self.materials) - 1
        return len(self.materials) - 1

    def primitive(self, part: Part, target_names: Sequence[str]) -> dict[str, object]:
        attributes = {
            "POSITION": self.accessor(_f32(part.positions), "VEC3", _ARRAY_BUFFER, bounds=True),
            "NORMAL": self.accessor(_f32(normals(part)), "VEC3", _ARRAY_BUFFER),
        }
        if part.uvs is not None:
            attributes["TEXCOORD_0"] = self.accessor(_f32(part.uvs), "VEC2", _ARRAY_BUFFER)
        if part.colors is not None:
            attributes["COLOR_0"] = self.accessor(_f32(part.colors), "VEC3", _ARRAY_BUFFER)
        index_type = np.uint16 if len(part.positions) < 65536 else np.uint32
        primitive: dict[str, object] = {
            "attributes": attributes,
            "indices": self.accessor(part.triangles.reshape(-1).astype(index_type), "SCALAR", _ELEMENT_ARRAY_BUFFER),
            "material": self.material(part.material),
        }
        if target_names:
            zero = np.zeros_like(part.positions)
            primitive["targets"] = [{"POSITION": self.sparse(part.targets.get(n, zero))} for n in target_names]
        return primitive


def _f32(values: F64) -> npt.NDArray[np.float32]:
    """Rounded to a micrometre first, so that a different summation order in another numpy build
    (last-bit differences) still gives the same bytes."""
    return np.round(values, 6).astype(np.float32)


def normals(part: Part) -> F64:
    """Smooth vertex normals; vertices split at UV seams share the normal of their base-mesh vertex."""
    positions, triangles = part.positions, part.triangles
    a, b, c = (positions[triangles[:, i]] for i in range(3))
    face = np.cross(b - a, c - a)
    keys = part.source if part.source is not None else np.arange(len(positions))
    _, group = np.unique(keys, return_inverse=True)
    summed = np.zeros((int(group.max()) + 1 if len(group) else 0, 3))
    for i in range(3):
        np.add.at(summed, group[triangles[:, i]], face)
    result = summed[group]
    length = np.linalg.norm(result, axis=1, keepdims=True)
    fallback = np.array([0.0, 0.0, 1.0])
    out: F64 = np.where(length > 1e-12, result / np.maximum(length, 1e-12), fallback)
    return out


def build(name: str, meshes: Sequence[Mesh]) -> bytes:
    writer = _Writer()
    gltf_meshes: list[dict[str, object]] = []
    for mesh in meshes:
        out: dict[str, object] = {
            "name": mesh.name,
            "primitives": [writer.primitive(p, mesh.target_names) for p in mesh.parts],
        }
        if mesh.target_names:
            out["weights"] = [0.0] * len(mesh.target_names)
            out["extras"] = {"targetNames": list(mesh.target_names)}
        gltf_meshes.append(out)
    nodes: list[dict[str, object]] = [{"name": name, "children": list(range(1, len(meshes) + 1))}]
    nodes += [{"name": mesh.name, "mesh": i} for i, mesh in enumerate(meshes)]
    writer.blob.extend(b"\0" * (-len(writer.blob) % 4))
    doc: dict[str, object] = {
        "asset": {"version": "2.0", "generator": "avatarium assets/build.py"},
        "scene": 0,
        "scenes": [{"name": name, "nodes": [0]}],
        "nodes": nodes,
        "meshes": gltf_meshes,
        "materials": writer.materials,
        "buffers": [{"byteLength": len(writer.blob)}],
        "bufferViews": writer.views,
        "accessors": writer.accessors,
    }
    if writer.images:
        doc["images"] = writer.images
        doc["samplers"] = _SAMPLERS
        doc["textures"] = writer.textures
    return _pack(json.dumps(doc, separators=(",", ":")).encode(), bytes(writer.blob))


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
