"""The GLB container (glTF 2.0, section 4.4): a 12-byte header, a JSON chunk, an optional binary chunk."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

MAGIC = b"glTF"
_JSON_CHUNK = b"JSON"
_BIN_CHUNK = b"BIN\x00"


class GltfError(ValueError):
    """The file is not a usable glTF 2.0 binary; the message says what is wrong in words a user can act on."""


@dataclass
class Glb:
    """A parsed glTF binary: its JSON document and the bytes of its binary chunk (empty when it has none)."""

    gltf: dict[str, Any]
    binary: bytes


def parse(data: bytes) -> Glb:
    """The JSON and binary chunks of a GLB, after checking the header and every chunk's length and type."""
    if len(data) < 12:
        raise GltfError("The file is too short to be a glTF binary (.glb or .vrm)")
    magic, version, length = struct.unpack_from("<4sII", data)
    if magic != MAGIC:
        if data.lstrip()[:1] == b"{":
            raise GltfError("This is a .gltf JSON file; export a glTF binary (.glb) with everything embedded instead")
        raise GltfError("Not a glTF binary: a .glb or .vrm file starts with the bytes 'glTF'")
    if version != 2:
        raise GltfError(f"glTF container version {version} is not supported; export as glTF 2.0")
    if length > len(data):
        raise GltfError(f"The file is truncated: its header declares {length} bytes but it has {len(data)}")
    if length < len(data):
        raise GltfError(f"The file has {len(data) - length} bytes after the end its header declares ({length})")
    chunks = _chunks(data)
    if not chunks or chunks[0][0] != _JSON_CHUNK:
        raise GltfError("The first chunk of a glTF binary must be its JSON chunk")
    binary = chunks[1][1] if len(chunks) > 1 and chunks[1][0] == _BIN_CHUNK else b""
    return Glb(_document(chunks[0][1]), binary)


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks: list[tuple[bytes, bytes]] = []
    offset = 12
    while offset < len(data):
        if offset + 8 > len(data):
            raise GltfError(f"The file is truncated inside the header of chunk {len(chunks)}")
        size, kind = struct.unpack_from("<I4s", data, offset)
        start = offset + 8
        if start + size > len(data):
            raise GltfError(
                f"Chunk {len(chunks)} is truncated: it declares {size} bytes but only {len(data) - start} remain"
            )
        chunks.append((kind, data[start : start + size]))
        offset = start + size
    return chunks


def _document(chunk: bytes) -> dict[str, Any]:
    try:
        document = json.loads(chunk.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise GltfError("The JSON chunk is not valid UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise GltfError(f"The JSON chunk is not valid JSON ({exc.msg} at character {exc.pos})") from None
    except RecursionError:
        raise GltfError("The JSON chunk is nested too deeply to be a glTF document") from None
    if not isinstance(document, dict):
        raise GltfError("The JSON chunk must hold a JSON object")
    asset = document.get("asset")
    version = asset.get("version") if isinstance(asset, dict) else None
    if not isinstance(version, str) or not version.startswith("2."):
        raise GltfError(f"asset.version is {version!r}; only glTF 2.0 files are supported")
    return document


def pack(gltf: dict[str, Any], binary: bytes) -> bytes:
    """A GLB of this document and binary chunk, each padded to 4 bytes as the format requires."""
    json_chunk = json.dumps(gltf, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    json_chunk += b" " * (-len(json_chunk) % 4)
    parts = [struct.pack("<I4s", len(json_chunk), _JSON_CHUNK), json_chunk]
    if binary:
        padded = binary + b"\x00" * (-len(binary) % 4)
        parts += [struct.pack("<I4s", len(padded), _BIN_CHUNK), padded]
    total = 12 + sum(len(p) for p in parts)
    return struct.pack("<4sII", MAGIC, 2, total) + b"".join(parts)
