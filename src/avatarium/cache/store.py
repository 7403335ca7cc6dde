"""A bounded in-process cache whose entries are valid only while their key's stamp is unchanged."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Generic, NamedTuple, TypeVar

from avatarium.cache.stamps import Stamps

V = TypeVar("V")
MAX_AGE_SECONDS = 60.0


class Entry(NamedTuple, Generic[V]):
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
        self._entries: OrderedDict[str, Entry[V]] = OrderedDict()

    def peek(self, key: str) -> Entry[V] | None:
        """The entry not yet too old, its stamp unchecked: use its value only once its stamp is confirmed."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry.loaded_at > self._max_age:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    async def get(self, key: str, seen: Mapping[str, int] | None = None) -> V | None:
        """The value while its stamp is unchanged; `seen`: stamps this request has already read."""
        entry = self.peek(key)
        if entry is None:
            return None
        if await self.stamp(entry.stamp_key, seen) != entry.stamp:
            self._drop(key)
            return None
        return entry.value

    async def stamp(self, stamp_key: str, seen: Mapping[str, int] | None = None) -> int:
        """Read it before loading a value from the database, and `put` the value with it."""
        if seen is not None and stamp_key in seen:
            return seen[stamp_key]
        return await self.stamps.read(stamp_key)

    def put(self, key: str, stamp_key: str, stamp: int, value: V, weight: int = 1) -> None:
        if weight > self._capacity:
            return
        self._drop(key)
        self._entries[key] = Entry(stamp_key, stamp, value, weight, time.monotonic())
        self._weight += weight
        while self._weight > self._capacity:
            _key, evicted = self._entries.popitem(last=False)
            self._weight -= evicted.weight

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._weight -= entry.weight
