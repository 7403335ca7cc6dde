"""The static files under `static/`, loaded once per process, with their validators and cache policy."""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}
_PLAIN = "text/plain; charset=utf-8"  # LICENSE, NOTICE
_COMPRESSIBLE = ("text/", "application/json", "image/svg+xml")
_MIN_GZIP_BYTES = 1024

# A vendored library's folder carries its version (`vendor/three-0.180.0/`): its files never change
# under that URL, so browsers may keep them for a year. Everything else keeps a stable URL that
# pages and embedders link to, and is revalidated on each use (a 304 when unchanged).
_VERSIONED = re.compile(r"/vendor/[a-z-]+-\d+\.\d+\.\d+/")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    path: str  # relative to static/, with forward slashes
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str
    cache_control: str


def _content_type(name: str) -> str:
    suffix = name[name.rfind(".") :] if "." in name else ""
    return _TYPES.get(suffix, _PLAIN)


def _asset(path: str, body: bytes) -> Asset:
    content_type = _content_type(path)
    compress = len(body) >= _MIN_GZIP_BYTES and content_type.startswith(_COMPRESSIBLE)
    return Asset(
        path=path,
        body=body,
        # mtime=0: the same bytes every time, so the gzipped form needs no validator of its own
        gzipped=gzip.compress(body, compresslevel=6, mtime=0) if compress else None,
        content_type=content_type,
        etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        cache_control=IMMUTABLE if _VERSIONED.search("/" + path) else REVALIDATE,
    )


def _walk(folder: Traversable, prefix: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for entry in folder.iterdir():
        if entry.name.startswith(".") or entry.name.endswith(".d.ts"):
            continue  # type declarations are for checking the sources, not for browsers
        path = prefix + entry.name
        if entry.is_dir():
            files |= _walk(entry, path + "/")
        else:
            files[path] = entry.read_bytes()
    return files


@functools.cache
def load() -> dict[str, Asset]:
    """Every static file by its path under `static/`; read and compressed once per process."""
    root = resources.files("avatarium.web") / "static"
    return {path: _asset(path, body) for path, body in sorted(_walk(root, "").items())}
