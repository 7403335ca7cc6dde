"""A bounded in-process cache whose entries are valid only while their key's stamp is unchanged."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from avatarium.cache.stamps import Stamps

V = TypeVar("V")


class StampedCache(Generic[V]):
    """Least recently used entries, at most `size`, each checked against its stamp on every read.

    `stamp_key` names the stamp an entry depends on; it is stored with the entry because it may
    differ from the lookup key (a key's digest → the stamp of the account that owns it).
    """

    def __init__(self, stamps: Stamps, size: int) -> None:
        self.stamps = stamps
        self._size = size
        self._entries: OrderedDict[str, tuple[str, int, V]] = OrderedDict()

    async def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stamp_key, stamp, value = entry
        if await self.stamps.read(stamp_key) != stamp:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def stamp(self, stamp_key: str) -> int:
        """Read before loading a value from the database; pass to `put` with it."""
        return await self.stamps.read(stamp_key)

    def put(self, key: str, stamp_key: str, stamp: int, value: V) -> None:
        self._entries[key] = (stamp_key, stamp, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def discard(self, key: str) -> None:
        self._entries.pop(key, None)
