"""Out-of-tree providers: the example plugin (installed in the test environment) through the API, and
broken plugins that are reported without taking the server down."""

from __future__ import annotations

import json
import logging
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.factory import build_providers
from testkit.fakes.llm import ScriptedLLM
from testkit.fakes.server import serve
from testkit.fakes.vendors import STATE, WORDS, parrot
from tests.conftest import Account, new_account, set_tier

REPLY = "".join(WORDS)


@pytest.fixture(scope="module")
def parrot_base() -> Iterator[str]:
    with serve(parrot.app) as base:  # type: ignore[arg-type]
        yield base


@pytest.fixture(autouse=True)
def fresh_behaviour() -> None:
    STATE.reset()


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t")


@pytest.fixture
async def parrot_app(tmp_path: Path, database_url: str, parrot_base: str) -> AsyncIterator[FastAPI]:
    env = {"PARROT_API_KEY": parrot.KEY, "AVATARIUM_PARROT_BASE_URL": parrot_base}
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, jwt_secret="s" * 40, provider_deadline_seconds=2, provider_env=env
    )
    providers = build_providers(settings)
    providers.llms["local"] = ScriptedLLM()
    app = create_app(settings, providers)
    yield app
    await providers.close()
    await app.state.avatarium.engine.dispose()


@pytest.fixture
async def http(parrot_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(parrot_app) as client:
        yield client


@pytest.fixture
async def acct(http: httpx.AsyncClient, parrot_app: FastAPI) -> Account:
    account = await new_account(http)
    await set_tier(parrot_app, account.email, "enterprise", 100_000)
    return account


async def test_the_example_plugin_is_in_every_catalogue(http: httpx.AsyncClient, acct: Account) -> None:
    models = {m["id"]: m for m in (await http.get("/v1/models")).json()["data"]}
    assert models["parrot/polly-1"] == {
        "id": "parrot/polly-1",
        "provider": "parrot",
        "name": "Polly 1",
        "contextWindow": 8192,
        "streaming": True,
        "available": True,
    }
    providers = {p["id"]: p for p in (await http.get("/v1/ai/providers", headers=acct.key_headers)).json()["data"]}
    assert providers["parrot"]["configured"] is True and providers["parrot"]["name"] == "Parrot"
    assert providers["parrot"]["capabilities"] == {"chat": True, "streaming": True, "tts": True}
    voices = {v["id"]: v for v in (await http.get("/v1/tts/voices")).json()["data"]}
    assert voices["parrot-polly"]["provider"] == "parrot" and voices["parrot-polly"]["available"] is True
    health = (await http.get("/health")).json()["data"]
    assert {"name": "parrot", "provider": "parrot", "status": "loaded", "problem": None} in health["plugins"]
    paths = (await http.get("/openapi.json")).json()["paths"]
    assert "/v1/tts/parrot" in paths and "/v1/tts/elevenlabs" in paths


async def test_the_example_plugin_chats_and_speaks(http: httpx.AsyncClient, acct: Account) -> None:
    chat = {"model": "parrot/polly-1", "messages": [{"role": "user", "content": "Hi"}]}
    plain = (await http.post("/v1/ai/chat", json=chat, headers=acct.key_headers)).json()["data"]
    assert plain["message"]["content"] == REPLY and plain["provider"] == "parrot"
    assert plain["usage"] == {"inputTokens": 7, "outputTokens": len(WORDS)}
    streamed = await http.post("/v1/ai/chat", json=chat | {"stream": True}, headers=acct.key_headers)
    deltas = [
        json.loads(b.split("\n")[1][6:])["text"] for b in streamed.text.split("\n\n") if b.startswith("event: delta")
    ]
    assert "".join(deltas) == REPLY
    for path, body in (
        ("/v1/tts/parrot", {"text": "Hello there."}),
        ("/v1/tts", {"text": "Hi.", "voiceId": "parrot-polly"}),
    ):
        speech = await http.post(path, json=body, headers=acct.key_headers)
        assert speech.status_code == 200, speech.text
        data = speech.json()["data"]
        assert data["provider"] == "parrot" and data["sampleRate"] == 16000 and data["durationMs"] > 0
    assert [vendor for vendor, _ in STATE.bodies] == ["parrot"] * 4


@pytest.mark.parametrize(("mode", "status"), [("error", 503), ("garbage", 503), ("truncate", 503)])
async def test_the_example_plugins_failures_map_like_a_built_in_vendors(
    http: httpx.AsyncClient, acct: Account, caplog: pytest.LogCaptureFixture, mode: str, status: int
) -> None:
    STATE.mode = mode
    caplog.set_level(logging.DEBUG)
    chat = {"model": "parrot/polly-1", "messages": [{"role": "user", "content": "Hi"}]}
    response = await http.post("/v1/ai/chat", json=chat, headers=acct.key_headers)
    assert response.status_code == status and response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    for text in (response.text, caplog.text):
        assert parrot.KEY not in text and "vendor-internal-secret" not in text


async def test_test_keys_never_reach_the_plugins_vendor(http: httpx.AsyncClient) -> None:
    account = await new_account(http, mode="test")
    speech = await http.post("/v1/tts/parrot", json={"text": "hi"}, headers=account.key_headers)
    chat = {"model": "parrot/polly-1", "messages": [{"role": "user", "content": "Hi"}]}
    reply = await http.post("/v1/ai/chat", json=chat, headers=account.key_headers)
    assert speech.json()["data"]["provider"] == "local" and reply.json()["data"]["provider"] == "local"
    assert STATE.calls == {}


async def test_a_refused_key_is_502_without_the_key(tmp_path: Path, database_url: str, parrot_base: str) -> None:
    env = {"PARROT_API_KEY": "a-wrong-key", "AVATARIUM_PARROT_BASE_URL": parrot_base}
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, jwt_secret="s" * 40, provider_env=env))
    async with await _client(app) as client:
        account = await new_account(client)
        chat = {"model": "parrot/polly-1", "messages": [{"role": "user", "content": "Hi"}]}
        refused = await client.post("/v1/ai/chat", json=chat, headers=account.key_headers)
    await app.state.avatarium.providers.close()
    await app.state.avatarium.engine.dispose()
    assert refused.status_code == 502 and refused.json()["error"]["code"] == "BAD_GATEWAY"
    assert "a-wrong-key" not in refused.text


def _install(site: Path, name: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    """A distribution as pip leaves it: a dist-info folder with entry points, and its modules."""
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    lines = "\n".join(f"{key} = {value}" for key, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[avatarium.providers]\n{lines}\n")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))


async def test_broken_plugins_are_reported_and_the_server_serves(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    spec = "from avatarium.providers.spec import ProviderSpec\n"
    _install(
        site,
        "broken_plugins",
        {
            "crashes": "broken_crash:PROVIDER",
            "notaspec": "broken_text:PROVIDER",
            "duplicate": "broken_duplicate:PROVIDER",
            "unbuildable": "broken_build:PROVIDER",
        },
        {
            "broken_crash": "raise RuntimeError('no module for you')\n",
            "broken_text": "PROVIDER = 'a string'\n",
            "broken_duplicate": spec + "PROVIDER = ProviderSpec(id='openai', name='Impostor')\n",
            "broken_build": spec
            + "def _llm(setup):\n    raise RuntimeError(f'cannot use {setup.api_key}')\n"
            + "PROVIDER = ProviderSpec(id='shaky', name='Shaky', llm=_llm)\n",
        },
    )
    monkeypatch.syspath_prepend(str(site))
    caplog.set_level(logging.INFO)
    env = {"SHAKY_API_KEY": "shaky-secret-key"}
    settings = Settings(data_dir=tmp_path, database_url=database_url, jwt_secret="s" * 40, provider_env=env)
    app = create_app(settings)
    async with await _client(app) as client:
        health = await client.get("/health")
        models = (await client.get("/v1/models")).json()["data"]
        openai = (await client.get("/v1/ai/providers", headers=(await new_account(client)).key_headers)).json()
    await app.state.avatarium.providers.close()
    await app.state.avatarium.engine.dispose()
    assert health.status_code == 200 and health.json()["data"]["checks"]["database"] == "ok"
    plugins = {p["name"]: p for p in health.json()["data"]["plugins"]}
    assert plugins["parrot"]["status"] == "loaded"
    assert {name: plugins[name]["problem"] for name in ("crashes", "notaspec", "duplicate", "unbuildable")} == {
        "crashes": "it could not be imported",
        "notaspec": "its entry point is not a ProviderSpec",
        "duplicate": "the provider id 'openai' is taken",
        "unbuildable": "it could not be built",
    }
    assert all(p["status"] == "failed" for name, p in plugins.items() if name != "parrot")
    assert {m["provider"] for m in models} >= {"local", "openai", "parrot"} and "shaky" not in str(models)
    assert next(p for p in openai["data"] if p["id"] == "openai")["name"] == "OpenAI"
    for name in ("crashes", "notaspec", "duplicate", "shaky"):
        assert name in caplog.text
    assert "shaky-secret-key" not in caplog.text and "shaky-secret-key" not in health.text
