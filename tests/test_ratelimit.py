"""Tiered rate limits (contract section 3)."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from tests.conftest import make_providers, new_account, set_tier
from tests.support.redis import redis_url

REDIS_URL = redis_url(15)


@pytest.mark.parametrize(("tier", "limit"), [("free", 10), ("creator", 30), ("pro", 60)])
async def test_tier_limits_are_exact(client: httpx.AsyncClient, app: FastAPI, tier: str, limit: int) -> None:
    account = await new_account(client)
    await set_tier(app, account.email, tier)
    await app.state.avatarium.limiter.reset()  # creating the key was one of the account's requests
    statuses = []
    for i in range(limit):
        response = await client.get("/v1/ai/providers", headers=account.key_headers)
        statuses.append(response.status_code)
        assert response.headers["X-RateLimit-Limit"] == str(limit)
        assert response.headers["X-RateLimit-Remaining"] == str(limit - i - 1)
    refused = await client.get("/v1/ai/providers", headers=account.key_headers)
    assert statuses == [200] * limit
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "TOO_MANY_REQUESTS"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    reset = int(refused.headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61


async def test_enterprise_limit_is_set_by_the_operator(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await new_account(client)
    await set_tier(app, account.email, "enterprise", 3)
    await app.state.avatarium.limiter.reset()
    codes = [(await client.get("/v1/models", headers=account.key_headers)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


async def test_keys_and_jwts_of_one_account_share_the_count(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await new_account(client)
    await set_tier(app, account.email, "enterprise", 4)
    await app.state.avatarium.limiter.reset()
    for headers in (account.key_headers, account.jwt_headers, account.key_headers, account.jwt_headers):
        assert (await client.get("/v1/conversations", headers=headers)).status_code == 200
    assert (await client.get("/v1/conversations", headers=account.jwt_headers)).status_code == 429


async def test_anonymous_callers_are_limited_per_ip(client: httpx.AsyncClient) -> None:
    codes = [(await client.get("/v1/personas")).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]


async def test_forwarded_for_is_only_believed_when_trusted(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    for trusted, expected in ((False, 429), (True, 200)):
        app = create_app(
            Settings(data_dir=tmp_path, database_url=database_url, trust_proxy=trusted, anonymous_rate_limit=1),
            make_providers(),
        )
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            await http.get("/v1/avatars", headers={"X-Forwarded-For": "203.0.113.1"})
            second = await http.get("/v1/avatars", headers={"X-Forwarded-For": "203.0.113.2"})
        await app.state.avatarium.engine.dispose()
        assert second.status_code == expected


async def test_health_is_never_limited(client: httpx.AsyncClient) -> None:
    for path in ["/health", "/v1/health"] * 8:
        response = await client.get(path)
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


def _limiter(kind: str, window: float) -> RateLimiter:
    return MemoryRateLimiter(window) if kind == "memory" else RedisRateLimiter(REDIS_URL, window)


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_refused_requests_are_not_counted(kind: str) -> None:
    limiter = _limiter(kind, 1)
    subject = f"user:{uuid.uuid4()}"
    assert [(await limiter.hit(subject, 2)).allowed for _ in range(5)] == [True, True, False, False, False]
    await asyncio.sleep(1.05)
    # Had the refusals been counted, the window would still be full now.
    assert [(await limiter.hit(subject, 2)).allowed for _ in range(3)] == [True, True, False]
    await limiter.close()


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_window_slides_rather_than_resets(kind: str) -> None:
    limiter = _limiter(kind, 2)
    subject = f"user:{uuid.uuid4()}"
    assert (await limiter.hit(subject, 2)).allowed
    await asyncio.sleep(1.0)
    assert (await limiter.hit(subject, 2)).allowed
    assert not (await limiter.hit(subject, 2)).allowed
    await asyncio.sleep(1.05)  # the first request has left the window, the second has not
    assert (await limiter.hit(subject, 2)).allowed
    assert not (await limiter.hit(subject, 2)).allowed
    await limiter.close()


@pytest.fixture
async def redis_db() -> None:
    client = aioredis.from_url(REDIS_URL)
    await client.flushdb()
    await client.aclose()


@pytest.mark.usefixtures("redis_db")
async def test_counts_are_exact_across_instances_sharing_redis(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=database_url, redis_url=REDIS_URL, jwt_secret="s" * 40)
    apps = [create_app(settings, make_providers()) for _ in range(2)]
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://t") for a in apps]
    try:
        account = await new_account(clients[0])
        await apps[0].state.avatarium.limiter.reset()
        responses = await asyncio.gather(
            *(clients[i % 2].get("/v1/ai/providers", headers=account.key_headers) for i in range(14))
        )
        codes = sorted(r.status_code for r in responses)
        health = (await clients[1].get("/health")).json()["data"]["checks"]
    finally:
        for http, app in zip(clients, apps, strict=True):
            await http.aclose()
            await app.state.avatarium.limiter.close()
            await app.state.avatarium.engine.dispose()
    assert codes == [200] * 10 + [429] * 4
    assert health == {"database": "ok", "redis": "ok"}
