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

from avatarium import redis_client

log = logging.getLogger("avatarium.fanout")
Event = dict[str, Any]

# Events a subscriber may have waiting before it counts as too slow (a reply is a few hundred).
MAX_PENDING_EVENTS = 2048
OVERFLOW = "subscription.overflow"  # not a protocol event: tells the reader it fell too far behind


class Subscription:
    """The events waiting for one subscriber (a socket), bounded: a reader too slow to keep up is cut off.

    Unbounded, a client that stops reading would make the server hold every audio event
    it is sent; instead, once `limit` events are waiting, `overflowed` is set and nothing
    more is queued.
    """

    def __init__(self, limit: int = MAX_PENDING_EVENTS) -> None:
        self._queue: asyncio.Queue[Event] = asyncio.Queue(limit)
        self.overflowed = False

    def deliver(self, event: Event) -> None:
        if self.overflowed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait({"type": OVERFLOW})

    async def get(self) -> Event:
        return await self._queue.get()

    def empty(self) -> bool:
        return self._queue.empty()


class Fanout(ABC):
    @abstractmethod
    async def publish(self, conversation_id: uuid.UUID, event: Event) -> None: ...

    @abstractmethod
    def subscribe(self, conversation_id: uuid.UUID) -> contextlib.AbstractAsyncContextManager[Subscription]: ...

    async def close(self) -> None:
        return None


class MemoryFanout(Fanout):
    def __init__(self, limit: int = MAX_PENDING_EVENTS) -> None:
        self._subscriptions: dict[uuid.UUID, set[Subscription]] = defaultdict(set)
        self._limit = limit

    async def publish(self, conversation_id: uuid.UUID, event: Event) -> None:
        for subscription in list(self._subscriptions.get(conversation_id, ())):
            subscription.deliver(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, conversation_id: uuid.UUID) -> AsyncIterator[Subscription]:
        subscription = Subscription(self._limit)
        self._subscriptions[conversation_id].add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions[conversation_id].discard(subscription)
            if not self._subscriptions[conversation_id]:
                del self._subscriptions[conversation_id]


class RedisFanout(Fanout):
    """Local subscribers get an instance's own events directly; other instances get them through
    one pub/sub connection each.

    Delivering locally first keeps a socket's own turn independent of the pub/sub round trip,
    and of the moment after a Redis outage when the subscription is not renewed yet.
    """

    RECONNECT_SECONDS = 0.5

    def __init__(self, url: str, limit: int = MAX_PENDING_EVENTS) -> None:
        self._redis = redis_client.connect(url)
        self._local = MemoryFanout(limit)
        self._origin = uuid.uuid4().hex
        self._pubsub = self._redis.pubsub()
        self._reader: asyncio.Task[None] | None = None
        self._counts: dict[uuid.UUID, int] = defaultdict(int)

    @staticmethod
    def _channel(conversation_id: uuid.UUID) -> str:
        return f"avatarium:conversation:{conversation_id}"

    async def publish(self, conversation_id: uuid.UUID, event: Event) -> None:
        await self._local.publish(conversation_id, event)
        message = json.dumps({"origin": self._origin, "event": event})
        await self._redis.publish(self._channel(conversation_id), message)

    async def _read(self) -> None:
        """Deliver what Redis publishes; through an outage, keep trying (the subscription is renewed on reconnect)."""
        while True:
            try:
                async for message in self._pubsub.listen():
                    await self._deliver(message)
            except redis_client.FAILURES as exc:
                log.warning("fan-out lost Redis (%r); resubscribing once it is back", exc)
                await self._resubscribe()
            # `listen()` also ends at once when nothing is subscribed: never spin on it.
            await asyncio.sleep(self.RECONNECT_SECONDS)

    async def _resubscribe(self) -> None:
        """A fresh pub/sub connection subscribed to every conversation a local socket follows.

        Done here rather than left to the client library, whose own resubscription does not
        survive an outage longer than its retries. Events published meanwhile are lost, as
        pub/sub loses them: a socket that reconnects gets the stored conversation in `ready`.
        """
        while True:
            with contextlib.suppress(*redis_client.FAILURES):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = self._redis.pubsub()
            try:
                channels = [self._channel(conversation_id) for conversation_id in self._counts]
                if channels:
                    await self._pubsub.subscribe(*channels)
                return
            except redis_client.FAILURES:
                await asyncio.sleep(self.RECONNECT_SECONDS)

    async def _deliver(self, message: dict[str, Any]) -> None:
        if message.get("type") != "message":
            return
        channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
        try:
            conversation_id = uuid.UUID(channel.rsplit(":", 1)[1])
            data = json.loads(message["data"])
            if data["origin"] != self._origin:  # this instance delivered its own events already
                await self._local.publish(conversation_id, data["event"])
        except (ValueError, IndexError, KeyError, TypeError):
            log.warning("ignored a malformed fan-out message on %s", channel)

    @contextlib.asynccontextmanager
    async def subscribe(self, conversation_id: uuid.UUID) -> AsyncIterator[Subscription]:
        if self._counts[conversation_id] == 0:
            await self._pubsub.subscribe(self._channel(conversation_id))
        self._counts[conversation_id] += 1
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read())
        try:
            async with self._local.subscribe(conversation_id) as subscription:
                yield subscription
        finally:
            self._counts[conversation_id] -= 1
            if self._counts[conversation_id] == 0:
                del self._counts[conversation_id]
                try:
                    await self._pubsub.unsubscribe(self._channel(conversation_id))
                except redis_client.FAILURES:  # gone with the connection; not renewed on reconnect
                    log.warning("could not unsubscribe from %s while Redis is unavailable", conversation_id)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()


def make_fanout(redis_url: str | None, limit: int = MAX_PENDING_EVENTS) -> Fanout:
    return RedisFanout(redis_url, limit) if redis_url else MemoryFanout(limit)
