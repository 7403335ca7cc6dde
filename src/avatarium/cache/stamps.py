"""Where the change stamps live, so that every process serving the same data sees them.

A stamp is a random 64-bit value in one of a fixed number of slots; a key hashes to
a slot, so two keys may share one (a change to either only costs the other a cache
miss). A write stores a fresh random value rather than incrementing, which needs no
lock: a stamp never returns to a value some reader may have cached.

- SQLite: a memory-mapped file beside the database file. Every process that can open
  the database (workers, the CLI) maps the same pages, and a read is a memory read.
- Redis configured: one Redis hash, shared by every instance that shares the Redis; a
  request reads the stamps it needs in the rate limiter's round trip (`avatarium.ratelimit`).
- PostgreSQL without Redis: instances may run on machines that share nothing but the
  database, so there is no stamp store and nothing is cached (`make_stamps` → None).
"""

from __future__ import annotations

import asyncio
import contextlib
import mmap
import os
import struct
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SLOTS = 1 << 16
_SLOT = struct.Struct("<Q")


def slot_of(key: str) -> int:
    return zlib.crc32(key.encode()) % SLOTS


def fresh() -> int:
    return int.from_bytes(os.urandom(8), "little")


class Stamps(ABC):
    @abstractmethod
    async def read(self, key: str) -> int:
        """The current stamp of `key`."""

    async def read_many(self, keys: Iterable[str]) -> dict[str, int]:
        """The current stamps of `keys`."""
        return {key: await self.read(key) for key in keys}

    @abstractmethod
    async def bump(self, keys: Iterable[str]) -> None:
        """Give `keys` new stamps. Call after the commit that changed them."""

    async def close(self) -> None:
        return None


class SharedMemoryStamps(Stamps):
    """Slots in a MAP_SHARED mapping: of a file shared by processes, or anonymous for one process."""

    def __init__(self, path: Path | None) -> None:
        if path is None:
            self._map = mmap.mmap(-1, SLOTS * _SLOT.size)
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < SLOTS * _SLOT.size:
                os.ftruncate(fd, SLOTS * _SLOT.size)  # zero-filled; every process truncates to the same size
            self._map = mmap.mmap(fd, SLOTS * _SLOT.size, mmap.MAP_SHARED)
        finally:
            os.close(fd)

    async def read(self, key: str) -> int:
        value: int = _SLOT.unpack_from(self._map, slot_of(key) * _SLOT.size)[0]
        return value

    async def bump(self, keys: Iterable[str]) -> None:
        for key in keys:
            _SLOT.pack_into(self._map, slot_of(key) * _SLOT.size, fresh())

    async def close(self) -> None:
        self._map.close()


class RedisStamps(Stamps):
    """Stamps in one Redis hash.

    A bump that fails (Redis unreachable after the commit) is not forgotten: its keys are
    retried in the background until Redis takes them, and before any read of this process,
    so that a change committed during an outage still reaches every cache once Redis is back.
    """

    HASH = "avatarium:stamps"  # the rate limiter's script reads it too (`RedisRateLimiter.admit`)
    RETRY_SECONDS = 0.5

    def __init__(self, url: str) -> None:
        from avatarium import redis_client
        from avatarium.redis_line import Line

        self._redis: Any = redis_client.connect(url)
        self._line = Line(url)  # reads are on the request path: the cheap, pipelined connection
        self._pending: set[str] = set()
        self._retrying: asyncio.Task[None] | None = None

    async def read(self, key: str) -> int:
        await self.catch_up()
        value = await self._line.call("HGET", self.HASH, slot_of(key))
        return int(value) if value is not None else 0

    async def read_many(self, keys: Iterable[str]) -> dict[str, int]:
        """In one round trip."""
        keys = list(keys)
        if not keys:
            return {}
        await self.catch_up()
        values = await self._line.call("HMGET", self.HASH, *(slot_of(key) for key in keys))
        return {key: int(value) if value is not None else 0 for key, value in zip(keys, values, strict=True)}

    async def catch_up(self) -> None:
        """Store the stamps an outage kept back. Call before reading any stamp."""
        if self._pending:
            await self._flush()

    async def bump(self, keys: Iterable[str]) -> None:
        self._pending.update(keys)
        try:
            await self._flush()
        except Exception:
            if self._retrying is None or self._retrying.done():
                self._retrying = asyncio.create_task(self._retry())
            raise

    async def _flush(self) -> None:
        keys = set(self._pending)
        if keys:
            await self._redis.hset(self.HASH, mapping={slot_of(key): fresh() for key in keys})
            self._pending -= keys

    async def _retry(self) -> None:
        while self._pending:
            await asyncio.sleep(self.RETRY_SECONDS)
            with contextlib.suppress(Exception):
                await self._flush()

    async def close(self) -> None:
        if self._retrying is not None:
            self._retrying.cancel()
        await self._line.close()
        await self._redis.aclose()


def make_stamps(database_url: str, redis_url: str | None) -> Stamps | None:
    """The stamp store every process serving `database_url` shares, or None if there is none."""
    if redis_url:
        return RedisStamps(redis_url)
    if database_url.startswith("sqlite"):
        database = database_url.split(":///", 1)[1].split("?", 1)[0] if ":///" in database_url else ""
        in_memory = database in ("", ":memory:") or database.startswith(":memory:")
        return SharedMemoryStamps(None if in_memory else Path(database + "-stamps"))
    return None


def user_key(user_id: object) -> str:
    """The stamp of everything that decides what an account may do: its tier, its keys."""
    return f"user:{user_id}"


def conversation_key(conversation_id: object) -> str:
    """The stamp of a conversation and its messages."""
    return f"conversation:{conversation_id}"
