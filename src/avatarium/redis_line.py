"""The one Redis command every request makes, on a connection where concurrent commands share writes.

redis-py spends about 100 µs of CPU on each command here (a pool checkout, a retry wrapper, a
timeout and its parser driven from Python, for every call): on a request that is otherwise served
from memory, that was most of its cost (bench/http_throughput.py --scaled). The rate limiter's
script therefore goes through a `Line`: one connection per process, on which the commands issued
during one turn of the event loop leave in one write and their replies, parsed by hiredis, are
matched to their callers in order (about 11 µs of CPU per command). Everything else (stamps
written after commits, pub/sub, health) stays on redis-py.

Failures are what `redis_client` gives, so that an outage is the same 503: connecting takes at
most `TIMEOUT_SECONDS` and is tried three times; a reply that takes longer than
`TIMEOUT_SECONDS` fails every command waiting on the connection, which is dropped; the next
command connects again. A command already sent is never sent twice: a script that counts a
request must not count it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from typing import Any, cast

import hiredis
from redis.asyncio.connection import SSLConnection, parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from avatarium.redis_client import TIMEOUT_SECONDS

CONNECT_ATTEMPTS = 3
_BACKOFF_SECONDS = 0.05


def _pack(args: tuple[Any, ...]) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _error(reply: hiredis.ReplyError) -> ResponseError:
    message = str(reply)
    return NoScriptError(message) if message.startswith("NOSCRIPT") else ResponseError(message)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self._reader = hiredis.Reader()
        self._waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self._outgoing: list[bytes] = []
        self._transport: asyncio.Transport | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self.lost: BaseException | None = None
        self.loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def send(self, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        loop = self.loop
        future: asyncio.Future[Any] = loop.create_future()
        if self.lost is not None:
            future.set_exception(RedisConnectionError(f"Redis connection lost: {self.lost}"))
            return future
        if not self._outgoing:
            loop.call_soon(self._flush)
        if self._watchdog is None:
            self._watch(loop)
        self._outgoing.append(_pack(args))
        self._waiting.append((future, loop.time()))
        return future

    def _flush(self) -> None:
        if self._outgoing and self._transport is not None and self.lost is None:
            self._transport.write(b"".join(self._outgoing))
        self._outgoing.clear()

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        self._watchdog = loop.call_later(TIMEOUT_SECONDS / 4, self._check_waiting)

    def _check_waiting(self) -> None:
        """One watchdog per connection, running while commands wait."""
        self._watchdog = None
        if not self._waiting:
            return
        if self.loop.time() - self._waiting[0][1] > TIMEOUT_SECONDS:
            self.fail(RedisTimeoutError(f"Redis did not answer within {TIMEOUT_SECONDS} s"))
        else:
            self._watch(self.loop)

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        while (reply := self._reader.gets()) is not False:
            future, _sent = self._waiting.popleft()
            if future.done():
                continue
            if isinstance(reply, hiredis.ReplyError):
                future.set_exception(_error(reply))
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(RedisConnectionError(f"Redis closed the connection: {exc or 'EOF'}"))

    def fail(self, exc: RedisConnectionError | RedisTimeoutError) -> None:
        """Fail every command waiting, and leave the connection for good."""
        if self.lost is None:
            self.lost = exc
        if self._watchdog is not None:
            self._watchdog.cancel()
        while self._waiting:
            future, _sent = self._waiting.popleft()
            if not future.done():
                future.set_exception(exc)
        if self._transport is not None:
            self._transport.abort()


class Line:
    """Commands to one Redis on one pipelined connection, opened on first use and after a failure."""

    def __init__(self, url: str) -> None:
        self._options = parse_url(url)
        self._connection: _Connection | None = None
        self._connecting: asyncio.Task[_Connection] | None = None

    async def call(self, *args: Any) -> Any:
        connection = self._connection
        if connection is None or connection.lost is not None or connection.loop is not asyncio.get_running_loop():
            connection = await self._connected()  # a connection belongs to the event loop that opened it
        return await connection.send(args)

    async def script(self, source: str, sha: str, keys: list[str], args: list[Any]) -> Any:
        """EVALSHA, or EVAL when this Redis does not hold the script yet (after a restart, say)."""
        try:
            return await self.call("EVALSHA", sha, len(keys), *keys, *args)
        except NoScriptError:
            return await self.call("EVAL", source, len(keys), *keys, *args)

    async def _connected(self) -> _Connection:
        if self._connecting is None or self._connecting.done():
            self._connecting = asyncio.ensure_future(self._connect())
        return await asyncio.shield(self._connecting)

    async def _connect(self) -> _Connection:
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                async with asyncio.timeout(TIMEOUT_SECONDS):
                    self._connection = await self._open()
                return self._connection
            except (OSError, TimeoutError, RedisConnectionError) as exc:
                if attempt == CONNECT_ATTEMPTS - 1:
                    raise RedisConnectionError(f"Cannot connect to Redis: {exc!r}") from exc
                await asyncio.sleep(_BACKOFF_SECONDS * 2**attempt)
        raise AssertionError("unreachable")

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        options = self._options
        if "path" in options:
            _transport, connection = await loop.create_unix_connection(_Connection, options["path"])
        else:
            tls = ssl.create_default_context() if options.get("connection_class") is SSLConnection else None
            host, port = options.get("host", "localhost"), options.get("port", 6379)
            _transport, connection = await loop.create_connection(_Connection, host, port, ssl=tls)
        try:
            if options.get("password"):
                auth = [options["username"]] if options.get("username") else []
                await connection.send(("AUTH", *auth, options["password"]))
            if options.get("db"):
                await connection.send(("SELECT", options["db"]))
        except ResponseError as exc:
            connection.fail(RedisConnectionError(f"Redis refused the connection: {exc}"))
            raise RedisConnectionError(str(exc)) from exc
        return connection

    async def close(self) -> None:
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            with contextlib.suppress(BaseException):
                await self._connecting
        if self._connection is not None:
            self._connection.fail(RedisConnectionError("closed"))
            self._connection = None
