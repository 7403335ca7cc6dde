"""Cloud vendors end to end through our API, against a local server speaking their protocols."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.factory import build_providers
from testkit.fakes import vendors
from testkit.fakes.llm import ScriptedLLM
from testkit.fakes.server import serve
from tests.conftest import Account, create_conversation, new_account, set_tier

REPLY = "Hello from the cloud. This is a fake reply."
CHAT_MODELS = [
    "openai/gpt-4o-mini",
    "anthropic/claude-haiku-4-5",
    "google/gemini-2.5-flash",
    "xai/grok-3-mini",
    "groq/llama-3.1-8b-instant",
]


@pytest.fixture(scope="module")
def vendor_base() -> Iterator[str]:
    with serve(vendors.app) as base:  # type: ignore[arg-type]
        yield base


@pytest.fixture(autouse=True)
def fresh_behaviour() -> None:
    vendors.STATE.reset()


def vendor_env(base: str) -> dict[str, str]:
    """The variables an operator would set, by the names the README documents."""
    keys = {f"{'GEMINI' if v == 'google' else v.upper()}_API_KEY": k for v, k in vendors.KEYS.items()}
    urls = {f"AVATARIUM_{v.upper()}_BASE_URL": base for v in ("anthropic", "google", "groq", "elevenlabs", "deepgram")}
    urls |= {"AVATARIUM_OPENAI_BASE_URL": f"{base}/v1", "AVATARIUM_XAI_BASE_URL": f"{base}/v1"}
    return keys | urls


def vendor_settings(tmp_path: Path, database_url: str, base: str, **extra: Any) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        jwt_secret="s" * 40,
        provider_deadline_seconds=2,
        provider_env=vendor_env(base),
        **extra,
    )


@pytest.fixture
async def vendor_app(tmp_path: Path, database_url: str, vendor_base: str) -> AsyncIterator[FastAPI]:
    settings = vendor_settings(tmp_path, database_url, vendor_base, fallback_models=[])
    providers = build_providers(settings)
    providers.llms["local"] = ScriptedLLM()
    app = create_app(settings, providers)
    yield app
    await providers.close()
    await app.state.avatarium.engine.dispose()


@pytest.fixture
async def http(vendor_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=vendor_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def acct(http: httpx.AsyncClient, vendor_app: FastAPI) -> Account:
    account = await new_account(http)
    await set_tier(vendor_app, account.email, "enterprise", 100_000)
    return account


def _chat(model: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}],
    } | extra


@pytest.mark.parametrize("model", CHAT_MODELS)
async def test_chat_plain_and_streaming(http: httpx.AsyncClient, acct: Account, model: str) -> None:
    plain = await http.post("/v1/ai/chat", json=_chat(model), headers=acct.key_headers)
    data = plain.json()["data"]
    assert plain.status_code == 200, plain.text
    assert data["message"]["content"] == REPLY and data["provider"] == model.split("/")[0] and data["model"] == model
    assert data["usage"]["outputTokens"] == len(vendors.WORDS) and data["finishReason"] == "stop"
    streamed = await http.post("/v1/ai/chat", json=_chat(model, stream=True), headers=acct.key_headers)
    blocks = [b.split("\n") for b in streamed.text.strip().split("\n\n")]
    deltas = [json.loads(b[1][6:])["text"] for b in blocks if b[0] == "event: delta"]
    assert "".join(deltas) == REPLY and len(deltas) == len(vendors.WORDS)


async def test_system_prompts_reach_each_vendor_in_its_own_form(http: httpx.AsyncClient, acct: Account) -> None:
    for model in ("anthropic/claude-haiku-4-5", "google/gemini-2.5-flash", "openai/gpt-4o-mini"):
        conversation = await create_conversation(http, acct, model=model, personaId="support-agent")
        reply = await http.post(
            f"/v1/conversations/{conversation['id']}/messages", json={"content": "Hi"}, headers=acct.key_headers
        )
        assert reply.json()["data"]["reply"]["content"] == REPLY
    (_, anthropic), (_, gemini), (_, openai) = vendors.STATE.bodies
    assert "Ava" in anthropic["system"] and [m["role"] for m in anthropic["messages"]] == ["assistant", "user"]
    assert "Ava" in gemini["systemInstruction"]["parts"][0]["text"]
    assert [c["role"] for c in gemini["contents"]] == ["model", "user"]
    assert openai["messages"][0]["role"] == "system"


def _check_visemes(data: dict[str, Any]) -> None:
    visemes = data["visemes"]
    assert visemes[0]["startMs"] == 0 and visemes[-1]["endMs"] == data["durationMs"] > 0
    assert all(a["endMs"] == b["startMs"] for a, b in pairwise(visemes))
    assert len({v["viseme"] for v in visemes}) > 3


@pytest.mark.parametrize(
    ("path", "body", "provider"),
    [
        ("/v1/tts/elevenlabs", {"text": "Hello there, friend."}, "elevenlabs"),
        ("/v1/tts/groq", {"text": "Hello there, friend."}, "groq"),
        ("/v1/tts/deepgram", {"text": "Hello there, friend."}, "deepgram"),
        ("/v1/tts", {"text": "Hello there, friend.", "voiceId": "openai-nova"}, "openai"),
        ("/v1/tts", {"text": "Hello there, friend.", "voiceId": "elevenlabs-pNInz6obpgDQGcFmaJgB"}, "elevenlabs"),
    ],
)
async def test_speech_from_each_vendor(
    http: httpx.AsyncClient, acct: Account, path: str, body: dict[str, str], provider: str
) -> None:
    response = await http.post(path, json=body, headers=acct.key_headers)
    data = response.json()["data"]
    assert response.status_code == 200, response.text
    assert data["provider"] == provider and data["format"] == "wav"
    _check_visemes(data)


async def test_catalogue_shows_configured_vendors(http: httpx.AsyncClient, acct: Account) -> None:
    models = {m["id"]: m["available"] for m in (await http.get("/v1/models")).json()["data"]}
    assert all(models[m] for m in CHAT_MODELS)
    voices = (await http.get("/v1/tts/voices")).json()["data"]
    assert {v["provider"] for v in voices if v["available"]} == {"local", "openai", "elevenlabs", "groq", "deepgram"}
    providers = (await http.get("/v1/ai/providers", headers=acct.key_headers)).json()["data"]
    configured = {p["id"] for p in providers if p["configured"]}
    assert configured == {"local", "openai", "anthropic", "google", "xai", "groq", "elevenlabs", "deepgram"}


async def test_test_keys_never_reach_a_vendor(http: httpx.AsyncClient) -> None:
    account = await new_account(http, mode="test")
    chat = await http.post("/v1/ai/chat", json=_chat("openai/gpt-4o-mini"), headers=account.key_headers)
    speech = await http.post("/v1/tts/elevenlabs", json={"text": "hi"}, headers=account.key_headers)
    assert chat.json()["data"]["provider"] == "local" and speech.json()["data"]["provider"] == "local"
    assert vendors.STATE.calls == {}


async def test_timeout_is_504_within_the_deadline(http: httpx.AsyncClient, acct: Account) -> None:
    vendors.STATE.mode = "slow"
    started = time.monotonic()
    response = await http.post("/v1/ai/chat", json=_chat("openai/gpt-4o-mini"), headers=acct.key_headers)
    assert response.status_code == 504
    assert time.monotonic() - started < 3.5


async def test_rate_limit_is_retried_after_retry_after(http: httpx.AsyncClient, acct: Account) -> None:
    vendors.STATE.mode = "rate_limit_once"
    started = time.monotonic()
    response = await http.post("/v1/ai/chat", json=_chat("anthropic/claude-haiku-4-5"), headers=acct.key_headers)
    assert response.status_code == 200
    assert vendors.STATE.calls["anthropic"] == 2 and time.monotonic() - started >= 1.0


async def test_persistent_rate_limit_is_503(http: httpx.AsyncClient, acct: Account) -> None:
    vendors.STATE.mode = "rate_limit"
    response = await http.post("/v1/tts/deepgram", json={"text": "hi"}, headers=acct.key_headers)
    assert response.status_code == 503
    assert vendors.STATE.calls["deepgram"] == 2  # a third attempt would pass the 2-second deadline


async def test_server_errors_are_retried_then_503_without_leaking(
    http: httpx.AsyncClient, acct: Account, caplog: pytest.LogCaptureFixture
) -> None:
    vendors.STATE.mode = "error"
    caplog.set_level(logging.DEBUG)
    response = await http.post("/v1/ai/chat", json=_chat("google/gemini-2.5-flash"), headers=acct.key_headers)
    assert response.status_code == 503 and vendors.STATE.calls["google"] == 3
    for text in (response.text, caplog.text):
        assert vendors.SECRET_IN_ERRORS not in text
        assert vendors.KEYS["google"] not in text and acct.key not in text


async def test_garbage_from_a_vendor_is_a_clean_error(http: httpx.AsyncClient, acct: Account) -> None:
    vendors.STATE.mode = "garbage"
    chat = await http.post("/v1/ai/chat", json=_chat("xai/grok-3-mini"), headers=acct.key_headers)
    speech = await http.post("/v1/tts/elevenlabs", json={"text": "hi"}, headers=acct.key_headers)
    assert chat.status_code == 503 and speech.status_code == 503
    assert chat.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


async def test_truncated_audio_is_refused(http: httpx.AsyncClient, acct: Account) -> None:
    vendors.STATE.mode = "truncate"
    response = await http.post("/v1/tts", json={"text": "Hello", "voiceId": "openai-alloy"}, headers=acct.key_headers)
    assert response.status_code == 503


async def test_stream_breaking_midway_keeps_the_partial_reply(
    http: httpx.AsyncClient, acct: Account, vendor_app: FastAPI
) -> None:
    conversation = await create_conversation(http, acct, model="groq/llama-3.1-8b-instant")
    vendors.STATE.mode = "truncate"
    response = await http.post(
        f"/v1/conversations/{conversation['id']}/messages",
        json={"content": "Tell me", "stream": True},
        headers=acct.key_headers,
    )
    assert "event: error" in response.text and "event: done" not in response.text
    assert vendors.STATE.calls["groq"] == 1  # no retry once output has been streamed
    stored = (await http.get(f"/v1/conversations/{conversation['id']}", headers=acct.key_headers)).json()["data"]
    last = stored["messages"][-1]
    assert last["role"] == "assistant" and last["interrupted"] is True and REPLY.startswith(last["content"])


async def test_unconfigured_vendors_are_503(tmp_path: Path, database_url: str) -> None:
    app = create_app(Settings(data_dir=tmp_path / "bare", database_url=database_url, jwt_secret="s" * 40))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        account = await new_account(client)
        chat = await client.post("/v1/ai/chat", json=_chat("anthropic/claude-haiku-4-5"), headers=account.key_headers)
        speech = await client.post(
            "/v1/tts", json={"text": "hi", "voiceId": "openai-nova"}, headers=account.key_headers
        )
        voices = (await client.get("/v1/tts/voices")).json()["data"]
    await app.state.avatarium.providers.close()
    await app.state.avatarium.engine.dispose()
    assert chat.status_code == 503 and speech.status_code == 503
    assert not any(v["available"] for v in voices if v["provider"] != "local")


async def test_fallback_chain_serves_when_a_vendor_is_down(tmp_path: Path, database_url: str, vendor_base: str) -> None:
    settings = vendor_settings(
        tmp_path, database_url, vendor_base, fallback_models=["openai/gpt-4o-mini", "local/smollm2-135m-instruct"]
    )
    providers = build_providers(settings)
    providers.llms["local"] = ScriptedLLM()
    app = create_app(settings, providers)
    vendors.STATE.mode = "error"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        account = await new_account(client)
        response = await client.post(
            "/v1/ai/chat", json=_chat("anthropic/claude-haiku-4-5"), headers=account.key_headers
        )
    await providers.close()
    await app.state.avatarium.engine.dispose()
    assert response.status_code == 200
    assert response.json()["data"]["provider"] == "local"
    assert vendors.STATE.calls == {"anthropic": 3, "openai": 3}


async def test_circuit_breaker_stops_calling_a_failing_vendor(http: httpx.AsyncClient, acct: Account) -> None:
    vendors.STATE.mode = "error"
    for _ in range(3):
        await http.post("/v1/tts/groq", json={"text": "hi"}, headers=acct.key_headers)
    calls = vendors.STATE.calls["groq"]
    assert calls >= 5
    response = await http.post("/v1/tts/groq", json={"text": "hi"}, headers=acct.key_headers)
    assert response.status_code == 503 and vendors.STATE.calls["groq"] == calls
