"""Files in a directory (by default `<data dir>/files`): enough for one machine, or a shared volume."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from avatarium.storage.base import Storage, StorageError

CHUNK = 256 * 1024


class LocalStorage(Storage):
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"invalid storage key {key!r}")
        return self.root.joinpath(*parts)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed over it, so that a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as partial:
            partial.write(data)
        os.replace(partial.name, path)

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise StorageError(f"missing object {key}") from None
        try:
            await asyncio.to_thread(handle.seek, start)
            position = start
            while position < end:
                chunk = await asyncio.to_thread(handle.read, min(CHUNK, end - position))
                if not chunk:
                    raise StorageError(f"object {key} is shorter than expected")
                position += len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def delete(self, *keys: str) -> None:
        await asyncio.to_thread(self._remove, [self._path(key) for key in keys])

    async def close(self) -> None:
        """Nothing to release: every read opens and closes its own file."""

    def _remove(self, paths: list[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)
            for parent in path.parents:
                if parent == self.root or not parent.is_relative_to(self.root):
                    break
                try:
                    parent.rmdir()
                except OSError:
                    break
