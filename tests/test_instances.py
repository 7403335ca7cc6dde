"""Three `avatarium serve` instances on loopback sharing PostgreSQL and Redis, as behind a balancer (deploy/):
exact limits across them, revocation everywhere at once, idempotent retries elsewhere, a socket's turn seen
from another instance, and a rolling restart mid-turn with no accepted request failing."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from websockets.asyncio.client import connect

from testkit.fakes.server import serve
from testkit.fakes.vendors import STATE, WORDS, selfhosted
from tests.support.cli import Served, avatarium, environment
from tests.support.instances import MODEL, closed_with, events_until, instances, stopped_cleanly, terminate
from tests.support.redis import redis_url

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

REPLY = "".join(WORDS).strip()
REDIS_URL = redis_url(9)


@pytest.fixture
def shared(tmp_path: Path, database_url: str) -> Iterator[dict[str, str]]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    STATE.reset()
    with serve(selfhosted.ollama()) as model_base:  # type: ignore[arg-type]
        yield {
            "AVATARIUM_DATABASE_URL": database_url,
            "AVATARIUM_REDIS_URL": REDIS_URL,
            "AVATARIUM_JWT_SECRET": "three-instances-" + "x" * 32,
            "AVATARIUM_DATA_DIR": str(tmp_path / "data"),
            "AVATARIUM_ANONYMOUS_RATE_LIMIT": "1000",  # registrations all come from one address
            "AVATARIUM_COMPAT_BASE_URL": f"{model_base}/v1",
        }
    STATE.reset()


@pytest.fixture
def three(tmp_path: Path, shared: dict[str, str]) -> Iterator[list[Served]]:
    with instances(3, tmp_path, **shared) as served:
        yield served


class Balancer:
    """Round robin over the instances, moving on from one that refuses the connection (as nginx's
    `proxy_next_upstream error` does); a fresh connection per request, so a request is either refused
    or accepted, never lost in a closing keep-alive connection."""

    def __init__(self, served: list[Served]) -> None:
        self.urls = [s.url for s in served]
        self._next = itertools.cycle(range(len(self.urls)))

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for _ in self.urls:
            base = self.urls[next(self._next)]
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                try:
                    return await http.request(method, path, **kwargs)
                except httpx.ConnectError:
                    continue
        raise AssertionError("every instance refused the connection")


async def _register(http: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    email = f"multi-{uuid.uuid4().hex[:8]}@example.com"
    registered = await http.post("/v1/auth/register", json={"email": email, "password": "correct horse"})
    assert registered.status_code == 201, registered.text
    return email, {"Authorization": f"Bearer {registered.json()['data']['token']}"}


def _set_tier(tmp_path: Path, shared: dict[str, str], email: str) -> None:
    """As the operator would, from another process: `avatarium users set-tier`."""
    done = avatarium(
        "users", "set-tier", email, "enterprise", "--rate-limit", "100000", env=environment(tmp_path, **shared)
    )
    assert done.returncode == 0, done.stderr


async def _key(http: httpx.AsyncClient, jwt: dict[str, str]) -> tuple[str, dict[str, str], httpx.Response]:
    created = await http.post("/v1/api-keys", json={"name": "multi"}, headers=jwt)
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    return data["id"], {"Authorization": f"Bearer {data['key']}"}, created


async def test_limits_revocation_idempotency_and_sockets_hold_across_instances(
    three: list[Served], tmp_path: Path, shared: dict[str, str]
) -> None:
    a, b, c = (httpx.AsyncClient(base_url=s.url, timeout=60) for s in three)
    async with a, b, c:
        # Free tier (10 a minute), counted once across all three instances, under concurrent load.
        _email, jwt = await _register(a)
        _id, free, created = await _key(b, jwt)
        left = int(created.headers["X-RateLimit-Remaining"])
        burst = await asyncio.gather(*(http.get("/v1/conversations", headers=free) for http in [a, b, c] * 10))
        statuses = sorted(r.status_code for r in burst)
        assert statuses == [200] * left + [429] * (30 - left)
        assert all(int(r.headers["Retry-After"]) >= 1 for r in burst if r.status_code == 429)

        email, jwt = await _register(a)
        _set_tier(tmp_path, shared, email)
        key_id, key, _ = await _key(a, jwt)
        assert [(await http.get("/v1/conversations", headers=key)).status_code for http in (a, b, c)] == [200] * 3

        # An idempotent POST retried on another instance is answered once.
        idempotent = key | {"Idempotency-Key": "create-once"}
        body = {"avatarId": "ava", "model": MODEL}
        first = await a.post("/v1/conversations", json=body, headers=idempotent)
        retried = await c.post("/v1/conversations", json=body, headers=idempotent)
        assert first.status_code == retried.status_code == 201
        assert retried.json()["data"]["id"] == first.json()["data"]["id"]
        assert retried.headers["Idempotent-Replayed"] == "true"
        listed = (await b.get("/v1/conversations", headers=key)).json()["data"]
        assert [item["id"] for item in listed] == [first.json()["data"]["id"]]

        # A turn on one instance's socket is seen on another instance's socket.
        path = f"/v1/conversations/{first.json()['data']['id']}/ws"
        async with (
            connect(three[0].url.replace("http", "ws") + path, additional_headers=key) as talking,
            connect(three[1].url.replace("http", "ws") + path, additional_headers=key) as watching,
        ):
            await events_until(talking, "ready")
            await events_until(watching, "ready")
            await talking.send(json.dumps({"type": "message", "content": "Hello there", "audio": False}))
            seen = await events_until(watching, "reply.done")
            assert [e["message"]["content"] for e in seen if e["type"] == "message"] == ["Hello there"]
            assert "".join(e["text"] for e in seen if e["type"] == "reply.delta").strip() == REPLY
            assert seen[-1]["message"] == (await events_until(talking, "reply.done"))[-1]["message"]

        # Revoked on one instance: refused on the next request on every instance.
        assert (await b.delete(f"/v1/api-keys/{key_id}", headers=jwt)).status_code == 200
        assert [(await http.get("/v1/conversations", headers=key)).status_code for http in (c, a, b)] == [401] * 3


async def test_a_rolling_restart_mid_turn_fails_no_accepted_request(
    three: list[Served], tmp_path: Path, shared: dict[str, str]
) -> None:
    leaving, staying = three[0], three[1]
    balancer = Balancer(three)
    async with httpx.AsyncClient(base_url=leaving.url, timeout=60) as http:
        email, jwt = await _register(http)
        _set_tier(tmp_path, shared, email)
        _id, key, _ = await _key(http, jwt)
        created = await http.post("/v1/conversations", json={"avatarId": "ava", "model": MODEL}, headers=key)
        conversation_id = created.json()["data"]["id"]
        other = await http.post("/v1/conversations", json={"avatarId": "ava", "model": MODEL}, headers=key)
    path = f"/v1/conversations/{conversation_id}/ws"
    failures: list[str] = []
    answered: list[int] = []
    stop = asyncio.Event()

    async def load() -> None:
        while not stop.is_set():
            try:
                response = await balancer.request("GET", f"/v1/conversations/{conversation_id}", headers=key)
                answered.append(response.status_code)
            except httpx.HTTPError as exc:  # accepted, then lost
                failures.append(repr(exc))

    STATE.mode, STATE.delay = "stall", 3
    async with (
        connect(leaving.url.replace("http", "ws") + path, additional_headers=key) as talking,
        connect(staying.url.replace("http", "ws") + path, additional_headers=key) as watching,
    ):
        await events_until(talking, "ready")
        await events_until(watching, "ready")
        await talking.send(json.dumps({"type": "message", "content": "Tell me a story", "audio": False}))
        await events_until(talking, "reply.delta")
        async with httpx.AsyncClient(base_url=leaving.url, timeout=60) as http:
            in_flight = asyncio.create_task(
                http.post(
                    f"/v1/conversations/{other.json()['data']['id']}/messages", json={"content": "Hi"}, headers=key
                )
            )
            while STATE.calls.get("ollama", 0) < 2:
                await asyncio.sleep(0.05)
            loaders = [asyncio.create_task(load()) for _ in range(4)]
            await asyncio.sleep(0.5)
            terminate(leaving)
            code, _reason, events = await closed_with(talking)
            assert (await in_flight).status_code == 201
        stop.set()
        await asyncio.gather(*loaders)
        assert code == 1012
        done = next(e["message"] for e in events if e["type"] == "reply.done")
        assert done["content"] == REPLY and done["interrupted"] is False
        assert (await events_until(watching, "reply.done"))[-1]["message"] == done
    assert stopped_cleanly(leaving)
    assert failures == [] and answered and set(answered) == {200}

    # The client reconnects (as the SDK does on 1012), lands on another instance, and finds the reply stored.
    async with connect(staying.url.replace("http", "ws") + path, additional_headers=key) as again:
        ready = (await events_until(again, "ready"))[-1]
    assert ready["conversation"]["messages"][-1] == done
