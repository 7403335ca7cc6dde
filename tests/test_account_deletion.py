"""`avatarium users delete` while servers run: the account's credentials fail at once on every instance."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.db.migrate import upgrade
from testkit.fakes.server import serve
from tests.conftest import Account, make_providers, new_account, set_tier_elsewhere
from tests.support.cli import avatarium, environment
from tests.support.redis import redis_url

REDIS_URL = redis_url(11)


@pytest.fixture(params=["stamps-file", "redis"])
def instances(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, Settings, dict[str, str]]]:
    """Two servers on one SQLite database, and the CLI's environment for it."""
    shared = REDIS_URL if request.param == "redis" else None
    if shared:
        redis.Redis.from_url(shared).flushdb()
    data = tmp_path / "data"
    settings = Settings(data_dir=data, jwt_secret="s" * 40, anonymous_rate_limit=1000, redis_url=shared)
    upgrade(settings.resolved_database_url)
    env = environment(tmp_path, AVATARIUM_DATA_DIR=str(data), **({"AVATARIUM_REDIS_URL": shared} if shared else {}))
    with ExitStack() as stack:
        one, two = (stack.enter_context(serve(create_app(settings, make_providers()))) for _ in range(2))
        yield one, two, settings, env


async def _enterprise_account(http: httpx.AsyncClient, database_url: str) -> Account:
    account = await new_account(http)
    await set_tier_elsewhere(database_url, account.email, "enterprise", 1000)
    return account


async def _close_code(url: str) -> int | None:
    async with connect(url) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    return closed.value.rcvd.code if closed.value.rcvd else None


async def test_a_deleted_account_is_refused_at_once_everywhere(
    instances: tuple[str, str, Settings, dict[str, str]],
) -> None:
    one, two, settings, env = instances
    async with httpx.AsyncClient(base_url=one) as first, httpx.AsyncClient(base_url=two) as second:
        doomed = await _enterprise_account(first, settings.resolved_database_url)
        kept = await _enterprise_account(first, settings.resolved_database_url)
        created = await first.post("/v1/conversations", json={"avatarId": "ava"}, headers=doomed.key_headers)
        conversation = created.json()["data"]
        path = f"/v1/conversations/{conversation['id']}"
        await first.post(f"{path}/messages", json={"content": "Hello"}, headers=doomed.key_headers)
        for http in (first, second, first, second):  # every instance now serves this account from memory
            for headers in (doomed.key_headers, doomed.jwt_headers):
                assert (await http.get(path, headers=headers)).status_code == 200

        deleted = await asyncio.to_thread(avatarium, "users", "delete", doomed.email, "--yes", env=env)
        assert deleted.returncode == 0, deleted.stderr

        for http in (first, second):
            for headers in (doomed.key_headers, doomed.jwt_headers):
                assert (await http.get(path, headers=headers)).status_code == 401
                assert (await http.get("/v1/conversations", headers=headers)).status_code == 401
            assert (await http.get("/v1/conversations", headers=kept.key_headers)).status_code == 200
        socket_url = one.replace("http", "ws") + f"{path}/ws?token={conversation['clientToken']}"
        assert await _close_code(socket_url) == 4401

    database = sqlite3.connect(settings.data_dir / "avatarium.db")
    counts = [database.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("users", "api_keys")]  # noqa: S608
    assert counts == [1, 1]  # the other account and its key
    assert database.execute("SELECT count(*) FROM conversations").fetchone()[0] == 0
    assert database.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
