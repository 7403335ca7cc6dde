"""Dependencies going away and coming back: Redis and PostgreSQL cut mid-run behind a TCP proxy.

Decided behaviour (docs/decisions.md, Operations): while a dependency is down, requests that need
it get a clean 503 with Retry-After (fail closed), health is 503 naming it, and service resumes by
itself once it is back.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from avatarium.app import create_app
from avatarium.config import Settings
from testkit.fakes.server import serve
from tests.conftest import make_providers
from tests.support import postgres
from tests.support.proxy import CuttableProxy, cuttable
from tests.support.redis import SERVER as REDIS_SERVER


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "did not recover"
        await asyncio.sleep(0.2)


async def _account(http: httpx.AsyncClient) -> dict[str, str]:
    registered = await http.post("/v1/auth/register", json={"email": "out@example.com", "password": "long enough"})
    token = registered.json()["data"]["token"]
    key = await http.post("/v1/api-keys", json={"name": "k"}, headers={"Authorization": f"Bearer {token}"})
    return {"Authorization": f"Bearer {key.json()['data']['key']}"}


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE" and int(response.headers["Retry-After"]) > 0


async def _assert_health(http: httpx.AsyncClient, database: str, redis: str) -> None:
    health = await http.get("/health")
    assert health.json()["data"]["checks"] == {"database": database, "redis": redis}
    assert health.status_code == (200 if "down" not in (database, redis) else 503)


@pytest.fixture
def redis_proxy() -> Iterator[CuttableProxy]:
    host, port = REDIS_SERVER.split(":")
    with cuttable(host, int(port)) as proxy:
        yield proxy


async def test_redis_cut_mid_run_gives_clean_503s_and_service_resumes(
    tmp_path: Path, database_url: str, redis_proxy: CuttableProxy
) -> None:
    redis_url = f"redis://127.0.0.1:{redis_proxy.port}/11"
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, redis_url=redis_url, jwt_secret="s" * 40,
        anonymous_rate_limit=1000,
    )  # fmt: skip
    with serve(create_app(settings, make_providers())) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            key = await _account(http)
            conversation = (await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=key)).json()
            ws_url = base.replace("http", "ws") + f"/v1/conversations/{conversation['data']['id']}/ws"
            async with connect(ws_url, additional_headers=key) as ws:
                assert json.loads(await ws.recv())["type"] == "ready"
                redis_proxy.cut()
                _assert_unavailable(await http.get("/v1/conversations", headers=key))
                _assert_unavailable(await http.get("/v1/avatars"))
                await _assert_health(http, "ok", "down")
                await ws.send(json.dumps({"type": "message", "content": "anyone there?"}))
                error = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert error["type"] == "error" and error["error"]["code"] == "SERVICE_UNAVAILABLE"
                redis_proxy.restore()

                async def listed() -> bool:
                    return (await http.get("/v1/conversations", headers=key)).status_code == 200

                await _eventually(listed)
                await _assert_health(http, "ok", "ok")
                # The socket survived the outage: its messages are answered again.
                await ws.send(json.dumps({"type": "message", "content": "back?", "audio": False}))
                while (event := json.loads(await asyncio.wait_for(ws.recv(), 20)))["type"] != "reply.done":
                    assert event["type"] != "error", event


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_postgres_cut_mid_run_gives_clean_503s_and_service_resumes(tmp_path: Path, database_url: str) -> None:
    host, port = postgres.SERVER.rsplit("@", 1)[1].split(":")
    with cuttable(host, int(port)) as proxy:
        database_url = database_url.replace(f"@{host}:{port}/", f"@127.0.0.1:{proxy.port}/")
        settings = Settings(data_dir=tmp_path / "data", database_url=database_url, jwt_secret="s" * 40)
        with serve(create_app(settings, make_providers())) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                key = await _account(http)
                proxy.cut()
                _assert_unavailable(await http.get("/v1/conversations", headers=key))
                _assert_unavailable(await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=key))
                await _assert_health(http, "down", "disabled")
                proxy.restore()

                async def created() -> bool:
                    response = await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=key)
                    return response.status_code == 201

                await _eventually(created)
                await _assert_health(http, "ok", "disabled")
                listed = await http.get("/v1/conversations", headers=key)
                assert len(listed.json()["data"]) == 1  # nothing half-written during the outage
