"""A bounded in-process cache whose entries are valid only while their key's stamp is unchanged."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, NamedTuple, TypeVar

from avatarium.cache.stamps import Stamps

V = TypeVar("V")
MAX_AGE_SECONDS = 60.0


class _Entry(NamedTuple, Generic[V]):
    stamp_key: str
    stamp: int
    value: V
    weight: int
    loaded_at: float


class StampedCache(Generic[V]):
    """Least recently used entries up to a total `capacity` of weight, checked against their stamps.

    `stamp_key` names the stamp an entry depends on; it is stored with the entry because it
    may differ from the lookup key (a key's digest depends on the stamp of its account).
    Entries also expire after `max_age` seconds, which bounds how long a change made
    behind the service's back (by hand in the database) can go unseen.
    """

    def __init__(self, stamps: Stamps, capacity: int, max_age: float = MAX_AGE_SECONDS) -> None:
        self.stamps = stamps
        self._capacity = capacity
        self._max_age = max_age
        self._weight = 0
        self._entries: OrderedDict[str, _Entry[V]] = OrderedDict()

    async def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry.loaded_at > self._max_age or await self.stamps.read(entry.stamp_key) != entry.stamp:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry.value

    async def stamp(self, stamp_key: str) -> int:
        """Read it before loading a value from the database, and `put` the value with it."""
        return await self.stamps.read(stamp_key)

    def put(self, key: str, stamp_key: str, stamp: int, value: V, weight: int = 1) -> None:
        if weight > self._capacity:
            return
        self._drop(key)
        self._entries[key] = _Entry(stamp_key, stamp, value, weight, time.monotonic())
        self._weight += weight
        while self._weight > self._capacity:
            _key, evicted = self._entries.popitem(last=False)
            self._weight -= evicted.weight

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._weight -= entry.weight
