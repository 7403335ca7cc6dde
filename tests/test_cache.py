"""Read caches: a change made through any instance or process is seen by the next read everywhere."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import text

from avatarium.app import create_app
from avatarium.cache.stamps import RedisStamps, SharedMemoryStamps, make_stamps, slot_of
from avatarium.cache.store import StampedCache
from avatarium.config import Settings
from avatarium.db.changes import mark_changed
from avatarium.db.engine import make_engine, make_sessionmaker
from avatarium.db.migrate import upgrade
from testkit.fakes.server import serve
from tests.conftest import Account, make_providers, new_account, set_tier_elsewhere
from tests.support.redis import redis_url

REDIS_URL = redis_url(13)


def _distinct_slots(*keys: str) -> tuple[str, ...]:
    assert len({slot_of(k) for k in keys}) == len(keys)
    return keys


async def test_a_stamp_bumped_through_one_mapping_is_seen_through_another(tmp_path: Path) -> None:
    one, two = SharedMemoryStamps(tmp_path / "db-stamps"), SharedMemoryStamps(tmp_path / "db-stamps")
    changed, untouched = _distinct_slots("user:a", "user:b")
    before = await two.read(changed), await two.read(untouched)
    await one.bump([changed])
    assert await two.read(changed) != before[0]
    assert await two.read(untouched) == before[1]
    await one.close()
    await two.close()


async def test_redis_stamps_are_shared_by_every_client() -> None:
    one, two = RedisStamps(REDIS_URL), RedisStamps(REDIS_URL)
    before = await two.read("conversation:x")
    await one.bump(["conversation:x"])
    assert await two.read("conversation:x") != before
    await one.close()
    await two.close()


def test_where_the_stamps_live(tmp_path: Path) -> None:
    assert isinstance(make_stamps("sqlite+aiosqlite:///" + str(tmp_path / "a.db"), None), SharedMemoryStamps)
    assert (tmp_path / "a.db-stamps").exists()
    assert isinstance(make_stamps("sqlite+aiosqlite://", None), SharedMemoryStamps)
    assert isinstance(make_stamps("postgresql+asyncpg://h/db", REDIS_URL), RedisStamps)
    # Instances sharing only a PostgreSQL server have no common place for stamps: nothing is cached.
    assert make_stamps("postgresql+asyncpg://h/db", None) is None


async def test_entries_are_dropped_when_their_stamp_changes_or_they_are_too_old() -> None:
    stamps = SharedMemoryStamps(None)
    cache: StampedCache[str] = StampedCache(stamps, capacity=10)
    cache.put("k", "user:a", await cache.stamp("user:a"), "value")
    assert await cache.get("k") == "value"
    await stamps.bump(["user:a"])
    assert await cache.get("k") is None
    stale: StampedCache[str] = StampedCache(stamps, capacity=10, max_age=-1)
    stale.put("k", "user:a", await stale.stamp("user:a"), "value")
    assert await stale.get("k") is None


async def test_the_least_recently_used_entries_leave_first_by_weight() -> None:
    cache: StampedCache[str] = StampedCache(SharedMemoryStamps(None), capacity=10)
    for key, weight in (("a", 4), ("b", 4)):
        cache.put(key, "s", 0, key, weight)
    assert await cache.get("a") == "a"  # now b is the least recently used
    cache.put("c", "s", 0, "c", 4)
    assert [await cache.get(k) for k in "abc"] == ["a", None, "c"]
    cache.put("huge", "s", 0, "huge", 11)
    assert await cache.get("huge") is None and await cache.get("a") == "a"


async def test_stamps_change_once_a_change_is_committed_and_never_for_a_rollback(tmp_path: Path) -> None:
    stamps = SharedMemoryStamps(None)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'changes.db'}")
    sessions = make_sessionmaker(engine, stamps)
    initial = await stamps.read("k")
    async with sessions() as session:
        await session.execute(text("SELECT 1"))
        mark_changed(session, "k")
        await session.rollback()
    assert await stamps.read("k") == initial
    async with sessions.begin() as session:
        await session.execute(text("SELECT 1"))
        mark_changed(session, "k")
        assert await stamps.read("k") == initial  # not before the commit
    after_block = await stamps.read("k")
    assert after_block != initial
    async with sessions() as session:
        await session.execute(text("SELECT 1"))
        mark_changed(session, "k")
        await session.commit()
        assert await stamps.read("k") != after_block  # as soon as commit() returns
    await engine.dispose()


@pytest.fixture(params=["shared file", "redis"])
def instances(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, Settings]]:
    """Two servers on one SQLite database, sharing stamps through the file beside it or through Redis."""
    redis_url = None
    if request.param == "redis":
        redis_url = REDIS_URL
        redis.Redis.from_url(redis_url).flushdb()
    settings = Settings(
        data_dir=tmp_path, jwt_secret="s" * 40, anonymous_rate_limit=1000, redis_url=redis_url, preload_models=False
    )
    upgrade(settings.resolved_database_url)
    with ExitStack() as stack:
        one, two = (stack.enter_context(serve(create_app(settings, make_providers()))) for _ in range(2))
        yield one, two, settings


async def _account(base: str, database_url: str) -> Account:
    async with httpx.AsyncClient(base_url=base) as http:
        account = await new_account(http)
    await set_tier_elsewhere(database_url, account.email, "enterprise", 1000)
    return account


async def test_a_key_revoked_on_one_instance_fails_at_once_on_the_other(instances: tuple[str, str, Settings]) -> None:
    one, two, settings = instances
    account = await _account(one, settings.resolved_database_url)
    async with httpx.AsyncClient(base_url=one) as first, httpx.AsyncClient(base_url=two) as second:
        for _ in range(3):  # the first use learns the key's account, the next ones are served from memory
            assert (await second.get("/v1/conversations", headers=account.key_headers)).status_code == 200
        key_id = (await first.get("/v1/api-keys", headers=account.jwt_headers)).json()["data"][0]["id"]
        assert (await first.delete(f"/v1/api-keys/{key_id}", headers=account.jwt_headers)).status_code == 200
        refused = await second.get("/v1/conversations", headers=account.key_headers)
    assert refused.status_code == 401


async def test_a_conversation_changed_on_one_instance_reads_fresh_on_the_other(
    instances: tuple[str, str, Settings],
) -> None:
    one, two, settings = instances
    account = await _account(one, settings.resolved_database_url)
    async with httpx.AsyncClient(base_url=one) as first, httpx.AsyncClient(base_url=two) as second:
        created = await first.post("/v1/conversations", json={"avatarId": "ava"}, headers=account.key_headers)
        path = f"/v1/conversations/{created.json()['data']['id']}"
        for _ in range(2):
            assert len((await second.get(path, headers=account.key_headers)).json()["data"]["messages"]) == 1
        sent = await first.post(f"{path}/messages", json={"content": "Hello"}, headers=account.key_headers)
        assert sent.status_code == 201
        after_message = (await second.get(path, headers=account.key_headers)).json()["data"]
        await first.post(f"{path}/end", headers=account.key_headers)
        after_end = (await second.get(path, headers=account.key_headers)).json()["data"]
    assert [m["content"] for m in after_message["messages"]][1:] == ["Hello", sent.json()["data"]["reply"]["content"]]
    assert after_message["messageCount"] == 3 and after_message["status"] == "active"
    assert after_end["status"] == "ended" and after_end["endedAt"]


@pytest.fixture
def one_server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    settings = Settings(data_dir=tmp_path, jwt_secret="s" * 40, anonymous_rate_limit=1000, preload_models=False)
    upgrade(settings.resolved_database_url)
    with serve(create_app(settings, make_providers())) as base:
        yield base, settings


async def test_a_tier_set_by_the_cli_applies_to_the_next_request(one_server: tuple[str, Settings]) -> None:
    """The CLI is another process: it finds the running server's stamps beside the database file."""
    base, settings = one_server
    data_dir = settings.data_dir
    async with httpx.AsyncClient(base_url=base) as http:
        account = await new_account(http)
        for headers in (account.key_headers, account.key_headers, account.jwt_headers):
            assert (await http.get("/v1/conversations", headers=headers)).headers["X-RateLimit-Limit"] == "10"
        command = [str(Path(sys.executable).parent / "avatarium"), "users", "set-tier", account.email, "pro"]
        cli = await asyncio.create_subprocess_exec(*command, env={**os.environ, "AVATARIUM_DATA_DIR": str(data_dir)})
        assert await cli.wait() == 0
        for headers in (account.key_headers, account.jwt_headers):
            assert (await http.get("/v1/conversations", headers=headers)).headers["X-RateLimit-Limit"] == "60"


async def test_a_cached_conversation_is_still_another_accounts_404(one_server: tuple[str, Settings]) -> None:
    base, settings = one_server
    owner = await _account(base, settings.resolved_database_url)
    other = await _account(base, settings.resolved_database_url)
    async with httpx.AsyncClient(base_url=base) as http:
        created = await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=owner.key_headers)
        path = f"/v1/conversations/{created.json()['data']['id']}"
        for _ in range(2):
            assert (await http.get(path, headers=owner.key_headers)).status_code == 200
        refused = await http.get(path, headers=other.key_headers)
        missing = await http.get(f"/v1/conversations/{uuid.uuid4()}", headers=owner.key_headers)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "NOT_FOUND"
    assert missing.status_code == 404
