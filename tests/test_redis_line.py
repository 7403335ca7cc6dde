"""The pipelined connection the rate limiter's script runs on: replies matched in order, the database the URL
names, a Redis that lost its scripts, and a Redis that stops answering (a clean error, then a fresh connection)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import redis
from redis.exceptions import TimeoutError as RedisTimeoutError

from avatarium.redis_client import TIMEOUT_SECONDS
from avatarium.redis_line import Line
from tests.support.redis import redis_url

DATABASE = 6


@pytest.fixture
async def line() -> AsyncIterator[Line]:
    redis.Redis.from_url(redis_url(DATABASE)).flushdb()
    opened = Line(redis_url(DATABASE))
    yield opened
    await opened.close()


async def test_concurrent_commands_get_their_own_replies(line: Line) -> None:
    replies = await asyncio.gather(*(line.call("ECHO", f"reply {n}") for n in range(500)))
    assert replies == [f"reply {n}".encode() for n in range(500)]


async def test_commands_go_to_the_database_of_the_url(line: Line) -> None:
    await line.call("SET", "where", "here")
    assert redis.Redis.from_url(redis_url(DATABASE)).get("where") == b"here"
    assert redis.Redis.from_url(redis_url(DATABASE + 1)).get("where") is None


async def test_a_script_runs_again_after_redis_lost_it(line: Line) -> None:
    source = "return redis.call('INCR', KEYS[1])"
    sha = redis.Redis.from_url(redis_url(DATABASE)).script_load(source)
    assert await line.script(source, sha, ["counter"], []) == 1
    redis.Redis.from_url(redis_url(DATABASE)).script_flush()
    assert await line.script(source, sha, ["counter"], []) == 2


async def test_a_redis_that_stops_answering_fails_cleanly_and_the_next_command_reconnects() -> None:
    answering = asyncio.Event()
    connections = 0

    async def silent_then_pong(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while await reader.read(1024):
            if answering.is_set():
                writer.write(b"+PONG\r\n")
        writer.close()

    server = await asyncio.start_server(silent_then_pong, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    line = Line(f"redis://127.0.0.1:{port}/0")
    started = time.monotonic()
    with pytest.raises(RedisTimeoutError):
        await line.call("PING")
    assert time.monotonic() - started < TIMEOUT_SECONDS * 3  # a bounded wait, not a hang
    answering.set()
    assert await line.call("PING") == b"PONG"
    assert connections == 2  # the connection that timed out was dropped: a late reply cannot be mistaken
    await line.close()
    server.close()
