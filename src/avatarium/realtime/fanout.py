"""Fan-out of conversation events to every socket on that conversation.

In-process by default; with Redis, events go through pub/sub so sockets on other
server instances receive them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger("avatarium.fanout")
Event = dict[str, Any]


class Fanout(ABC):
    @abstractmethod
    async def publish(self, conversation_id: uuid.UUID, event: Event) -> None: ...

    @abstractmethod
    def subscribe(self, conversation_id: uuid.UUID) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[Event]]: ...

    async def close(self) -> None:
        return None


class MemoryFanout(Fanout):
    def __init__(self) -> None:
        self._queues: dict[uuid.UUID, set[asyncio.Queue[Event]]] = defaultdict(set)

    async def publish(self, conversation_id: uuid.UUID, event: Event) -> None:
        for queue in list(self._queues.get(conversation_id, ())):
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, conversation_id: uuid.UUID) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self._queues[conversation_id].add(queue)
        try:
            yield queue
        finally:
            self._queues[conversation_id].discard(queue)
            if not self._queues[conversation_id]:
                del self._queues[conversation_id]


class RedisFanout(Fanout):
    """One pub/sub connection per instance; local subscribers are served from it."""

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._local = MemoryFanout()
        self._pubsub = self._redis.pubsub()
        self._reader: asyncio.Task[None] | None = None
        self._counts: dict[uuid.UUID, int] = defaultdict(int)

    @staticmethod
    def _channel(conversation_id: uuid.UUID) -> str:
        return f"avatarium:conversation:{conversation_id}"

    async def publish(self, conversation_id: uuid.UUID, event: Event) -> None:
        await self._redis.publish(self._channel(conversation_id), json.dumps(event))

    async def _read(self) -> None:
        async for message in self._pubsub.listen():
            if message.get("type") != "message":
                continue
            channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
            try:
                conversation_id = uuid.UUID(channel.rsplit(":", 1)[1])
                await self._local.publish(conversation_id, json.loads(message["data"]))
            except (ValueError, IndexError):
                log.warning("ignored a malformed fan-out message on %s", channel)

    @contextlib.asynccontextmanager
    async def subscribe(self, conversation_id: uuid.UUID) -> AsyncIterator[asyncio.Queue[Event]]:
        if self._counts[conversation_id] == 0:
            await self._pubsub.subscribe(self._channel(conversation_id))
        self._counts[conversation_id] += 1
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read())
        try:
            async with self._local.subscribe(conversation_id) as queue:
                yield queue
        finally:
            self._counts[conversation_id] -= 1
            if self._counts[conversation_id] == 0:
                del self._counts[conversation_id]
                await self._pubsub.unsubscribe(self._channel(conversation_id))

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()


def make_fanout(redis_url: str | None) -> Fanout:
    return RedisFanout(redis_url) if redis_url else MemoryFanout()
