"""Accessors (glTF 2.0, section 3.6): typed views of the binary chunk, read as numpy arrays and appended to it."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from avatarium.gltf.container import Glb, GltfError

F32 = npt.NDArray[np.float32]

COMPONENT_TYPES: dict[int, np.dtype[Any]] = {
    5120: np.dtype("<i1"),
    5121: np.dtype("<u1"),
    5122: np.dtype("<i2"),
    5123: np.dtype("<u2"),
    5125: np.dtype("<u4"),
    5126: np.dtype("<f4"),
}
INDEX_COMPONENTS = (5121, 5123, 5125)
WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
_FLOAT = 5126
# Normalised integers map onto [0, 1] or [-1, 1] (section 3.11).
_NORMALISERS = {5120: 127.0, 5121: 255.0, 5122: 32767.0, 5123: 65535.0}
SPARSE_SAVING = 64 * 1024


def element_size(component_type: int, kind: str) -> int:
    """Bytes of one element; matrix columns start on 4-byte boundaries (section 3.6.2.4)."""
    item = COMPONENT_TYPES[component_type].itemsize
    if kind.startswith("MAT"):
        rows = int(kind[3])
        return rows * (-(-rows * item // 4) * 4)
    return WIDTHS[kind] * item


def _strided(binary: bytes, offset: int, count: int, width: int, dtype: np.dtype[Any], stride: int) -> np.ndarray:
    if stride == width * dtype.itemsize:
        return np.frombuffer(binary, dtype, count * width, offset).reshape(count, width)
    return np.ndarray((count, width), dtype, buffer=binary, offset=offset, strides=(stride, dtype.itemsize))


class Reader:
    """Reads the accessors of a document that passed validation, each once."""

    def __init__(self, glb: Glb) -> None:
        self.gltf = glb.gltf
        self.binary = glb.binary
        self._cache: dict[int, np.ndarray] = {}

    def raw(self, index: int) -> np.ndarray:
        """Elements as stored, shape (count, components), sparse substitutions applied."""
        if index not in self._cache:
            self._cache[index] = self._read(self.gltf["accessors"][index])
        return self._cache[index]

    def floats(self, index: int) -> F32:
        """Elements as float32, normalised integers mapped to their real values."""
        accessor = self.gltf["accessors"][index]
        values = self.raw(index).astype(np.float32)
        scale = _NORMALISERS.get(accessor["componentType"])
        if accessor.get("normalized") and scale:
            values = np.maximum(values / scale, -1.0)
        return values

    def slice(self, part: dict[str, Any], count: int, width: int, component_type: int) -> np.ndarray:
        """`count` elements at a part's `bufferView` and `byteOffset` (an accessor, or sparse indices or values)."""
        view = self.gltf["bufferViews"][part["bufferView"]]
        dtype = COMPONENT_TYPES[component_type]
        stride = view.get("byteStride") or width * dtype.itemsize
        return _strided(self.binary, view.get("byteOffset", 0) + part.get("byteOffset", 0), count, width, dtype, stride)

    def sparse_indices(self, sparse: dict[str, Any]) -> npt.NDArray[np.int64]:
        indices = sparse["indices"]
        return self.slice(indices, sparse["count"], 1, indices["componentType"])[:, 0].astype(np.int64)

    def _read(self, accessor: dict[str, Any]) -> np.ndarray:
        kind, component, count = accessor["type"], accessor["componentType"], accessor["count"]
        width = WIDTHS[kind]
        if "bufferView" in accessor:
            values = self.slice(accessor, count, width, component).copy()
        else:
            values = np.zeros((count, width), COMPONENT_TYPES[component])
        sparse = accessor.get("sparse")
        if sparse:
            values[self.sparse_indices(sparse)] = self.slice(sparse["values"], sparse["count"], width, component)
        return values


class Writer:
    """Appends float accessors to buffer 0, the binary chunk of a GLB, up to `limit` bytes in all."""

    def __init__(self, glb: Glb, limit: int) -> None:
        self.gltf = glb.gltf
        buffers = self.gltf.setdefault("buffers", [])
        if not buffers:
            buffers.append({"byteLength": 0})
        self.blob = bytearray(glb.binary[: buffers[0]["byteLength"]])
        self.limit = limit

    def _view(self, data: bytes) -> int:
        if len(self.blob) + len(data) > self.limit:
            raise GltfError(f"The file would grow past {self.limit // 2**20} MiB; simplify its meshes")
        self.blob.extend(b"\x00" * (-len(self.blob) % 4))
        views = self.gltf.setdefault("bufferViews", [])
        views.append({"buffer": 0, "byteOffset": len(self.blob), "byteLength": len(data)})
        self.blob.extend(data)
        return len(views) - 1

    def vec3(self, values: F32) -> int:
        """A VEC3 float accessor with min and max.

        Sparse (or, when nothing moves, without data) only where that saves at least `SPARSE_SAVING`
        bytes: morph targets of big meshes move few vertices, and small files stay plain for every reader.
        """
        values = np.ascontiguousarray(values, dtype=np.float32)
        count = len(values)
        accessor: dict[str, Any] = {
            "componentType": _FLOAT,
            "count": count,
            "type": "VEC3",
            "min": [float(v) for v in values.min(axis=0)],
            "max": [float(v) for v in values.max(axis=0)],
        }
        moved = np.flatnonzero(np.any(values != 0.0, axis=1))
        index_type = np.dtype("<u2") if count <= 0xFFFF else np.dtype("<u4")
        if values.nbytes - len(moved) * (12 + index_type.itemsize) < SPARSE_SAVING:
            accessor["bufferView"] = self._view(values.tobytes())
        elif len(moved):
            accessor["sparse"] = {
                "count": len(moved),
                "indices": {
                    "bufferView": self._view(moved.astype(index_type).tobytes()),
                    "componentType": 5123 if index_type.itemsize == 2 else 5125,
                },
                "values": {"bufferView": self._view(values[moved].tobytes())},
            }
        # An accessor with neither a buffer view nor sparse values is all zeros (section 3.6.2.3).
        accessors = self.gltf.setdefault("accessors", [])
        accessors.append(accessor)
        return len(accessors) - 1

    def finish(self) -> Glb:
        self.blob.extend(b"\x00" * (-len(self.blob) % 4))
        self.gltf["buffers"][0]["byteLength"] = len(self.blob)
        return Glb(self.gltf, bytes(self.blob))
