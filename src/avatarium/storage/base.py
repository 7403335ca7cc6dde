"""The storage contract: whole objects written once, read back in byte ranges, deleted."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator


class StorageError(Exception):
    """The storage backend failed or is unreachable (never a client's fault)."""


class Storage(ABC):
    """Objects by key. Keys are made by the service (`avatars/<id>/<token>/model.glb`), never by clients."""

    @abstractmethod
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store the object whole; a reader sees the old object or the new one, never a part."""

    @abstractmethod
    def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes `start` to `end` (exclusive) of the object, in chunks; StorageError if it is missing."""

    @abstractmethod
    async def delete(self, *keys: str) -> None:
        """Remove the objects; missing ones are not an error."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""
