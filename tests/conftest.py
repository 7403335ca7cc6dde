"""Shared fixtures: a fresh database and app per test, a scripted LLM, the real Piper voice and Whisper model."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.db.migrate import upgrade
from avatarium.providers.base import LLMProvider
from avatarium.providers.local.whisper import LocalWhisperSTT
from avatarium.providers.registry import Providers
from testkit.fakes.llm import ScriptedLLM
from testkit.voices import LOCAL_TTS
from tests.support import postgres

LOCAL_STT = LocalWhisperSTT()  # loaded on first use (a few seconds), then shared


def make_providers(llm: LLMProvider | None = None) -> Providers:
    return Providers({"local": llm or ScriptedLLM()}, {"local": LOCAL_TTS}, stt={"local": LOCAL_STT})


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of its own for each test."""
    if request.param == "postgres":
        with postgres.fresh_database() as url:
            yield url
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    upgrade(url)
    yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, jwt_secret="test-secret-" + "x" * 32)


@pytest.fixture
def llm() -> ScriptedLLM:
    return ScriptedLLM()


@pytest.fixture
async def app(settings: Settings, llm: ScriptedLLM) -> AsyncIterator[FastAPI]:
    application = create_app(settings, make_providers(llm))
    yield application
    await application.state.avatarium.engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass
class Account:
    email: str
    token: str
    key: str
    user_id: str

    @property
    def key_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def jwt_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def new_account(client: httpx.AsyncClient, mode: str = "live") -> Account:
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    registered = await client.post("/v1/auth/register", json={"email": email, "password": "correct horse"})
    assert registered.status_code == 201, registered.text
    token = registered.json()["data"]["token"]
    created = await client.post(
        "/v1/api-keys", json={"name": "test", "mode": mode}, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    return Account(email, token, data["key"], registered.json()["data"]["user"]["id"])


@pytest.fixture
async def account(client: httpx.AsyncClient, app: FastAPI) -> Account:
    """An account on the enterprise tier with a high limit, so tests of other rules are not throttled."""
    acct = await new_account(client)
    await set_tier(app, acct.email, "enterprise", 100_000)
    return acct


async def set_tier(app: FastAPI, email: str, tier: str, rate_limit: int | None = None) -> None:
    from avatarium.accounts import service

    async with app.state.avatarium.sessions.begin() as session:
        await service.set_tier(session, email, tier, rate_limit)


async def set_tier_elsewhere(database_url: str, email: str, tier: str, rate_limit: int | None = None) -> None:
    """As another process would (the CLI): its own engine, the same stamps."""
    from avatarium.accounts import service
    from avatarium.cache.stamps import make_stamps
    from avatarium.db.engine import make_engine, make_sessionmaker

    engine, stamps = make_engine(database_url), make_stamps(database_url, None)
    async with make_sessionmaker(engine, stamps).begin() as session:
        await service.set_tier(session, email, tier, rate_limit)
    await engine.dispose()
    if stamps is not None:
        await stamps.close()


async def create_conversation(client: httpx.AsyncClient, acct: Account, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/conversations", json={"avatarId": "ava", **body}, headers=acct.key_headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data
