"""Small GLB and VRM models built in code for the upload tests, and an independent reader of what is served.

Written without the service's own glTF code, so that a bug there cannot hide in both.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt

from avatarium.visemes import VISEMES

F32 = npt.NDArray[np.float32]
# Every shape the visemes are mixed from except mouthShrugUpper, and one blink but not the other.
SIDED = ("mouthSmile", "mouthStretch", "mouthPress", "mouthLowerDown", "mouthUpperUp")
ARKIT = [
    *(f"{shape}{side}" for shape in SIDED for side in ("Left", "Right")),
    *("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthRollLower", "mouthRollUpper"),
    *("tongueOut", "eyeBlinkLeft", "browInnerUp"),
]
VRM_MOUTH = ["Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O", "Fcl_EYE_Close", "Fcl_ALL_Joy"]


def tiny_png() -> bytes:
    """A 2×2 red PNG: a texture whose bytes the tests can find again in the served file."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def sphere(radius: float, rings: int, segments: int, center: tuple[float, float, float]) -> tuple[F32, F32, Any]:
    theta = np.linspace(0.0, np.pi, rings + 1)
    phi = np.linspace(0.0, 2 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.sin(p), np.cos(t), np.sin(t) * np.cos(p)], axis=-1).reshape(-1, 3)
    faces = []
    for r in range(rings):
        for s in range(segments):
            a = r * (segments + 1) + s
            b = a + segments + 1
            faces += [(a, b, a + 1), (a + 1, b, b + 1)]
    positions = (unit * radius + np.asarray(center)).astype(np.float32)
    return positions, unit.astype(np.float32), np.asarray(faces, np.uint16).reshape(-1)


def shape_offsets(positions: F32, seed: int, center: tuple[float, float, float] = (0.0, -0.04, 0.09)) -> F32:
    """A displacement of the vertices near the mouth (none elsewhere), different for every seed."""
    rng = np.random.default_rng(seed)
    near = np.exp(-np.sum((positions - np.asarray(center)) ** 2, axis=1) / 0.002)[:, None]
    near[near < 0.3] = 0.0
    return (near * rng.normal(0.0, 0.01, positions.shape)).astype(np.float32)


class Builder:
    """Accumulates buffer views and accessors, then packs a GLB."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.gltf: dict[str, Any] = {
            "asset": {"version": "2.0", "generator": "avatarium tests"},
            "bufferViews": [],
            "accessors": [],
            "meshes": [],
            "nodes": [],
            "scenes": [{"nodes": []}],
            "scene": 0,
        }

    def view(self, data: bytes) -> int:
        self.blob.extend(b"\x00" * (-len(self.blob) % 4))
        self.gltf["bufferViews"].append({"buffer": 0, "byteOffset": len(self.blob), "byteLength": len(data)})
        self.blob.extend(data)
        return len(self.gltf["bufferViews"]) - 1

    def accessor(self, array: npt.NDArray[Any], kind: str) -> int:
        component = {np.float32: 5126, np.uint16: 5123, np.uint8: 5121}[array.dtype.type]
        accessor: dict[str, Any] = {
            "bufferView": self.view(np.ascontiguousarray(array).tobytes()),
            "componentType": component,
            "count": len(array),
            "type": kind,
        }
        if kind == "VEC3":
            accessor["min"] = array.min(axis=0).tolist()
            accessor["max"] = array.max(axis=0).tolist()
        self.gltf["accessors"].append(accessor)
        return len(self.gltf["accessors"]) - 1

    def mesh(
        self,
        name: str,
        positions: F32,
        normals: F32,
        indices: Any,
        targets: dict[str, F32] | None = None,
        names_on_primitive: bool = False,
        skinned: bool = False,
    ) -> int:
        primitive: dict[str, Any] = {
            "attributes": {
                "POSITION": self.accessor(positions, "VEC3"),
                "NORMAL": self.accessor(normals, "VEC3"),
                "TEXCOORD_0": self.accessor(np.zeros((len(positions), 2), np.float32), "VEC2"),
            },
            "indices": self.accessor(indices, "SCALAR"),
            "material": 0,
        }
        if skinned:
            joints = np.zeros((len(positions), 4), np.uint8)
            joints[:, 1] = 1
            weights = np.tile(np.array([0.5, 0.5, 0.0, 0.0], np.float32), (len(positions), 1))
            primitive["attributes"]["JOINTS_0"] = self.accessor(joints, "VEC4")
            primitive["attributes"]["WEIGHTS_0"] = self.accessor(weights, "VEC4")
        mesh: dict[str, Any] = {"name": name, "primitives": [primitive]}
        if targets:
            primitive["targets"] = [
                {"POSITION": self.accessor(offsets, "VEC3"), "NORMAL": self.accessor(offsets * 0.5, "VEC3")}
                for offsets in targets.values()
            ]
            mesh["weights"] = [0.0] * len(targets)
            holder = primitive if names_on_primitive else mesh
            holder["extras"] = {"targetNames": list(targets)}
        self.gltf["meshes"].append(mesh)
        return len(self.gltf["meshes"]) - 1

    def node(self, node: dict[str, Any], root: bool = True) -> int:
        self.gltf["nodes"].append(node)
        index = len(self.gltf["nodes"]) - 1
        if root:
            self.gltf["scenes"][0]["nodes"].append(index)
        return index

    def dress(self) -> None:
        """A textured material, as exporters write: the image in a buffer view."""
        image = self.view(tiny_png())
        self.gltf["images"] = [{"bufferView": image, "mimeType": "image/png", "name": "skin"}]
        self.gltf["samplers"] = [{}]
        self.gltf["textures"] = [{"source": 0, "sampler": 0}]
        self.gltf["materials"] = [
            {
                "name": "Skin",
                "pbrMetallicRoughness": {"baseColorFactor": [0.9, 0.7, 0.6, 1], "baseColorTexture": {"index": 0}},
            }
        ]

    def pack(self) -> bytes:
        self.blob.extend(b"\x00" * (-len(self.blob) % 4))
        self.gltf["buffers"] = [{"byteLength": len(self.blob)}]
        return pack(self.gltf, bytes(self.blob))


def pack(gltf: dict[str, Any], blob: bytes) -> bytes:
    text = json.dumps(gltf).encode()
    text += b" " * (-len(text) % 4)
    blob += b"\x00" * (-len(blob) % 4)
    body = struct.pack("<I4s", len(text), b"JSON") + text + struct.pack("<I4s", len(blob), b"BIN\x00") + blob
    return struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body


def _head(builder: Builder, targets: dict[str, F32] | None, rings: int = 10, segments: int = 14, **options: Any) -> int:
    positions, normals, indices = sphere(0.1, rings, segments, (0.0, 0.0, 0.0))
    mesh = builder.mesh("Head", positions, normals, indices, targets, **options)
    return mesh


def head_positions(rings: int = 10, segments: int = 14) -> F32:
    return sphere(0.1, rings, segments, (0.0, 0.0, 0.0))[0]


def arkit_model(rings: int = 10, segments: int = 14) -> bytes:
    """An ARKit head (with blink and brow shapes too), teeth that only open, hair, a skin and a texture."""
    builder = Builder()
    builder.dress()
    positions = head_positions(rings, segments)
    shapes = {name: shape_offsets(positions, seed) for seed, name in enumerate(ARKIT)}
    head = _head(builder, shapes, rings, segments, skinned=True)
    teeth_pos, teeth_norm, teeth_idx = sphere(0.03, 4, 6, (0.0, -0.04, 0.07))
    teeth = builder.mesh("Teeth", teeth_pos, teeth_norm, teeth_idx, {"jawOpen": shape_offsets(teeth_pos, 99)})
    hair_pos, hair_norm, hair_idx = sphere(0.105, 4, 8, (0.0, 0.02, 0.0))
    hair = builder.mesh("Hair", hair_pos, hair_norm, hair_idx)
    root = builder.node({"name": "Armature", "children": [], "translation": [0.0, 1.5, 0.0]})
    spine = builder.node({"name": "Spine", "children": []}, root=False)
    neck = builder.node({"name": "Neck", "translation": [0.0, 0.1, 0.0]}, root=False)
    builder.gltf["nodes"][root]["children"] = [spine]
    builder.gltf["nodes"][spine]["children"] = [neck]
    inverse = np.stack([np.eye(4, dtype=np.float32), np.eye(4, dtype=np.float32)])
    inverse[0, 3, 1] = 0.1  # column-major, translation last: both joints then place the head at y = 1.6
    ibm = builder.accessor(inverse.reshape(2, 16), "MAT4")
    builder.gltf["skins"] = [{"joints": [spine, neck], "inverseBindMatrices": ibm, "name": "Rig"}]
    builder.node({"name": "Head", "mesh": head, "skin": 0})
    builder.node({"name": "Teeth", "mesh": teeth, "translation": [0.0, 1.6, 0.0]})
    builder.node({"name": "Hair", "mesh": hair, "translation": [0.0, 1.6, 0.0]})
    return builder.pack()


def oculus_model(names_on_primitive: bool = True, spelling: str = "exact") -> bytes:
    """A head that already has the 15 visemes (named on its primitive, as some exporters do) and a blink."""
    builder = Builder()
    builder.dress()
    positions = head_positions()
    names = [v.upper() if spelling == "upper" else v for v in VISEMES] + ["eyeBlinkLeft"]
    head = _head(
        builder,
        {name: shape_offsets(positions, i) for i, name in enumerate(names)},
        names_on_primitive=names_on_primitive,
    )
    builder.node({"name": "Head", "mesh": head})
    return builder.pack()


def vrm_model(version: int) -> bytes:
    """A VRoid-like model: vowels on the face mesh and on the teeth; VRM 0.x faces -Z."""
    builder = Builder()
    builder.dress()
    positions = head_positions()
    face = _head(builder, {name: shape_offsets(positions, 10 + i) for i, name in enumerate(VRM_MOUTH)})
    teeth_pos, teeth_norm, teeth_idx = sphere(0.03, 4, 6, (0.0, -0.04, 0.07))
    teeth_shapes = {"Teeth_A": shape_offsets(teeth_pos, 50), "Teeth_O": shape_offsets(teeth_pos, 51)}
    teeth = builder.mesh("Teeth", teeth_pos, teeth_norm, teeth_idx, teeth_shapes)
    face_node = builder.node({"name": "Face", "mesh": face, "translation": [0.0, 1.4, 0.0]})
    teeth_node = builder.node({"name": "Teeth", "mesh": teeth, "translation": [0.0, 1.4, 0.0]})
    vowels = {"aa": [(face, 0, 1.0), (teeth, 0, 1.0)], "ih": [(face, 1, 1.0)], "ou": [(face, 2, 1.0)]}
    vowels |= {"ee": [(face, 3, 1.0)], "oh": [(face, 4, 0.8), (teeth, 1, 1.0)]}
    others = {"blink": [(face, 5, 1.0)], "happy": [(face, 6, 1.0)]}
    if version == 1:
        node_of = {face: face_node, teeth: teeth_node}
        preset = {
            name: {"morphTargetBinds": [{"node": node_of[m], "index": i, "weight": w} for m, i, w in binds]}
            for name, binds in (vowels | others).items()
        }
        builder.gltf["extensions"] = {
            "VRMC_vrm": {"specVersion": "1.0", "meta": {"name": "Test"}, "expressions": {"preset": preset}}
        }
        builder.gltf["extensionsUsed"] = ["VRMC_vrm"]
    else:
        legacy = {"aa": "a", "ih": "i", "ou": "u", "ee": "e", "oh": "o", "blink": "blink", "happy": "joy"}
        groups = [
            {
                "name": legacy[name].upper(),
                "presetName": legacy[name],
                "binds": [{"mesh": m, "index": i, "weight": w * 100} for m, i, w in binds],
            }
            for name, binds in (vowels | others).items()
        ]
        builder.gltf["extensions"] = {"VRM": {"specVersion": "0.0", "blendShapeMaster": {"blendShapeGroups": groups}}}
        builder.gltf["extensionsUsed"] = ["VRM"]
        for node in builder.gltf["nodes"]:
            node["rotation"] = [0.0, 1.0, 0.0, 0.0]  # VRM 0.x models face -Z
    return builder.pack()


def plain_model() -> bytes:
    """A head with no morph targets at all."""
    builder = Builder()
    builder.dress()
    builder.node({"name": "Head", "mesh": _head(builder, None)})
    return builder.pack()


class Served:
    """An independent reader of a served GLB: its JSON, and accessors as float arrays (sparse applied)."""

    def __init__(self, data: bytes) -> None:
        magic, version, length = struct.unpack_from("<4sII", data)
        assert (magic, version, length) == (b"glTF", 2, len(data))
        json_length, kind = struct.unpack_from("<I4s", data, 12)
        assert kind == b"JSON"
        self.gltf: dict[str, Any] = json.loads(data[20 : 20 + json_length])
        bin_length, kind = struct.unpack_from("<I4s", data, 20 + json_length)
        assert kind == b"BIN\x00"
        self.blob = data[28 + json_length : 28 + json_length + bin_length]
        assert self.gltf["buffers"][0]["byteLength"] <= len(self.blob)

    def view(self, index: int) -> bytes:
        view = self.gltf["bufferViews"][index]
        start = view.get("byteOffset", 0)
        assert start + view["byteLength"] <= self.gltf["buffers"][0]["byteLength"]
        return self.blob[start : start + view["byteLength"]]

    def floats(self, index: int) -> F32:
        accessor = self.gltf["accessors"][index]
        width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[accessor["type"]]
        assert accessor["componentType"] == 5126
        count = accessor["count"]
        values = np.zeros((count, width), np.float32)
        if "bufferView" in accessor:
            raw = self.view(accessor["bufferView"])[accessor.get("byteOffset", 0) :]
            values = np.frombuffer(raw, np.float32, count * width).reshape(count, width).copy()
        sparse = accessor.get("sparse")
        if sparse:
            index_type = {5121: np.uint8, 5123: np.uint16, 5125: np.uint32}[sparse["indices"]["componentType"]]
            at = np.frombuffer(self.view(sparse["indices"]["bufferView"]), index_type, sparse["count"])
            new = np.frombuffer(self.view(sparse["values"]["bufferView"]), np.float32, sparse["count"] * width)
            values[at.astype(np.int64)] = new.reshape(-1, width)
        return values

    def mesh(self, name: str) -> dict[str, Any]:
        return next(m for m in self.gltf["meshes"] if m.get("name") == name)

    def target(self, mesh: dict[str, Any], name: str, attribute: str = "POSITION") -> F32:
        index = mesh["extras"]["targetNames"].index(name)
        return self.floats(mesh["primitives"][0]["targets"][index][attribute])
