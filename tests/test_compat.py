"""OpenAI-compatible servers the operator runs (`compat`), against wire fakes of Ollama and vLLM."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.factory import build_providers
from testkit.fakes.llm import ScriptedLLM
from testkit.fakes.server import free_port, serve
from testkit.fakes.vendors import STATE, WORDS, selfhosted
from testkit.fakes.vendors.harness import tone
from tests.conftest import Account, create_conversation, new_account, set_tier

REPLY = "".join(WORDS).strip()
LLAMA = "compat/meta-llama/Llama-3.2-1B-Instruct"


@pytest.fixture(scope="module")
def ollama_base() -> Iterator[str]:
    with serve(selfhosted.ollama()) as base:  # type: ignore[arg-type]
        yield f"{base}/v1"


@pytest.fixture(scope="module")
def vllm_base() -> Iterator[str]:
    with serve(selfhosted.vllm()) as base:  # type: ignore[arg-type]
        yield f"{base}/v1"


@pytest.fixture(autouse=True)
def fresh_behaviour() -> None:
    STATE.reset()


@asynccontextmanager
async def compat_app(tmp_path: Path, database_url: str, env: dict[str, str], **extra: Any) -> AsyncIterator[FastAPI]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        jwt_secret="s" * 40,
        provider_deadline_seconds=2,
        provider_env={"AVATARIUM_COMPAT_DISCOVERY_RETRY_MS": "200"} | env,
        **extra,
    )
    providers = build_providers(settings)
    providers.llms["local"] = ScriptedLLM()
    app = create_app(settings, providers)
    try:
        yield app
    finally:
        await providers.close()
        await app.state.avatarium.engine.dispose()


@asynccontextmanager
async def client_and_account(app: FastAPI) -> AsyncIterator[tuple[httpx.AsyncClient, Account]]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        account = await new_account(client)
        await set_tier(app, account.email, "enterprise", 100_000)
        yield client, account


def _chat(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "Hi"}]} | extra


async def _models(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in (await client.get("/v1/models")).json()["data"] if m["provider"] == "compat"}


async def test_ollama_models_are_discovered_and_chat_streams(
    tmp_path: Path, database_url: str, ollama_base: str
) -> None:
    async with (
        compat_app(tmp_path, database_url, {"AVATARIUM_COMPAT_BASE_URL": ollama_base}) as app,
        client_and_account(app) as (client, account),
    ):
        models = await _models(client)
        assert models["compat/llama3.2:1b"] == {
            "id": "compat/llama3.2:1b",
            "provider": "compat",
            "name": "llama3.2:1b",
            "contextWindow": 4096,
            "streaming": True,
            "available": True,
        }
        assert set(models) == {"compat/llama3.2:1b", "compat/qwen2.5:0.5b"}
        plain = (
            await client.post("/v1/ai/chat", json=_chat("compat/qwen2.5:0.5b"), headers=account.key_headers)
        ).json()
        assert plain["data"]["message"]["content"] == REPLY and plain["data"]["provider"] == "compat"
        streamed = await client.post(
            "/v1/ai/chat", json=_chat("compat/llama3.2:1b", stream=True), headers=account.key_headers
        )
        deltas = [
            json.loads(b.split("\n")[1][6:])["text"]
            for b in streamed.text.split("\n\n")
            if b.startswith("event: delta")
        ]
        assert "".join(deltas).strip() == REPLY
        conversation = await create_conversation(client, account, model="compat/llama3.2:1b")
        turn = await client.post(
            f"/v1/conversations/{conversation['id']}/messages", json={"content": "Hi"}, headers=account.key_headers
        )
        assert turn.status_code == 201 and turn.json()["data"]["reply"]["content"] == REPLY
        unknown = await client.post("/v1/ai/chat", json=_chat("compat/llama9"), headers=account.key_headers)
        assert unknown.status_code == 400 and "compat/llama9" in unknown.json()["error"]["message"]
    sent = [body for vendor, body in STATE.bodies if vendor == "ollama"]
    assert {b["model"] for b in sent} == {"qwen2.5:0.5b", "llama3.2:1b"} and all(b["stream"] for b in sent)


async def test_vllm_serves_chat_speech_and_transcription(tmp_path: Path, database_url: str, vllm_base: str) -> None:
    env = {
        "AVATARIUM_COMPAT_BASE_URL": vllm_base,
        "AVATARIUM_COMPAT_API_KEY": selfhosted.VLLM_KEY,
        "AVATARIUM_COMPAT_VOICES": "af_heart,am_michael",
        "AVATARIUM_COMPAT_TTS_MODEL": "kokoro",
        "AVATARIUM_COMPAT_STT_MODELS": "openai/whisper-large-v3",
    }
    async with compat_app(tmp_path, database_url, env) as app, client_and_account(app) as (client, account):
        models = await _models(client)
        assert set(models) == {LLAMA} and models[LLAMA]["contextWindow"] == 8192
        reply = await client.post("/v1/ai/chat", json=_chat(LLAMA, maxTokens=20), headers=account.key_headers)
        assert reply.json()["data"]["message"]["content"] == REPLY
        voices = {v["id"]: v for v in (await client.get("/v1/tts/voices")).json()["data"] if v["provider"] == "compat"}
        assert set(voices) == {"compat-af_heart", "compat-am_michael"} and voices["compat-af_heart"]["available"]
        speech = await client.post(
            "/v1/tts", json={"text": "Hello there.", "voiceId": "compat-am_michael"}, headers=account.key_headers
        )
        assert speech.status_code == 200 and speech.json()["data"]["sampleRate"] == 48000
        stt = {m["id"]: m for m in (await client.get("/v1/stt/models")).json()["data"]}
        assert stt["compat/openai/whisper-large-v3"]["available"] is True
        provider, name = app.state.avatarium.providers.stt_for("compat/openai/whisper-large-v3", local_only=False)
        transcript = await provider.transcribe(tone(16000, 1000), 16000, name)
        assert transcript.text == "Hello there, friend." and [w.word for w in transcript.words][-1] == "friend."
    chat, speak, listen = (body for vendor, body in STATE.bodies if vendor == "vllm")
    assert chat["max_tokens"] == 20 and "max_completion_tokens" not in chat
    assert (speak["model"], speak["voice"], speak["response_format"]) == ("kokoro", "am_michael", "wav")
    assert listen["model"] == "openai/whisper-large-v3"


async def test_a_wrong_key_lists_nothing_and_leaks_nothing(tmp_path: Path, database_url: str, vllm_base: str) -> None:
    env = {"AVATARIUM_COMPAT_BASE_URL": vllm_base, "AVATARIUM_COMPAT_API_KEY": "not-the-key"}
    async with compat_app(tmp_path, database_url, env) as app, client_and_account(app) as (client, account):
        assert await _models(client) == {}
        chat = await client.post("/v1/ai/chat", json=_chat(LLAMA), headers=account.key_headers)
        assert chat.status_code == 503 and "not-the-key" not in chat.text


@pytest.mark.parametrize(("mode", "status", "calls"), [("slow", 504, 1), ("error", 503, 3), ("truncate", None, 1)])
async def test_faults_map_as_for_hosted_vendors(
    tmp_path: Path, database_url: str, ollama_base: str, mode: str, status: int | None, calls: int
) -> None:
    async with (
        compat_app(tmp_path, database_url, {"AVATARIUM_COMPAT_BASE_URL": ollama_base}) as app,
        client_and_account(app) as (client, account),
    ):
        await _models(client)
        STATE.reset()
        STATE.mode, STATE.delay = mode, 3.0
        if status is not None:
            response = await client.post("/v1/ai/chat", json=_chat("compat/llama3.2:1b"), headers=account.key_headers)
            assert response.status_code == status
        else:
            conversation = await create_conversation(client, account, model="compat/llama3.2:1b")
            streamed = await client.post(
                f"/v1/conversations/{conversation['id']}/messages",
                json={"content": "Hi", "stream": True},
                headers=account.key_headers,
            )
            assert "event: error" in streamed.text and "event: done" not in streamed.text
    assert STATE.calls["ollama"] == calls


async def test_fallback_serves_while_the_server_is_down(tmp_path: Path, database_url: str, ollama_base: str) -> None:
    async with (
        compat_app(
            tmp_path,
            database_url,
            {"AVATARIUM_COMPAT_BASE_URL": ollama_base},
            fallback_models=["local/smollm2-135m-instruct"],
        ) as app,
        client_and_account(app) as (client, account),
    ):
        await _models(client)
        STATE.mode = "error"
        response = await client.post("/v1/ai/chat", json=_chat("compat/llama3.2:1b"), headers=account.key_headers)
        assert response.status_code == 200 and response.json()["data"]["provider"] == "local"


async def test_a_slow_server_holds_no_request_for_long(tmp_path: Path, database_url: str, ollama_base: str) -> None:
    STATE.mode, STATE.delay = "slow", 4.0
    async with (
        compat_app(tmp_path, database_url, {"AVATARIUM_COMPAT_BASE_URL": ollama_base}) as app,
        client_and_account(app) as (client, account),
    ):
        started = time.monotonic()
        assert await _models(client) == {}  # the catalogue answers with what is known
        assert time.monotonic() - started < STATE.delay / 2
        early = await client.post("/v1/ai/chat", json=_chat("compat/llama3.2:1b"), headers=account.key_headers)
        assert early.status_code == 503  # not "unknown model": the list is not known yet
        STATE.mode = "ok"
        assert await _eventually_listed(client, "compat/llama3.2:1b")


async def test_a_server_that_comes_up_later_is_found(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    env = {"AVATARIUM_COMPAT_BASE_URL": f"http://127.0.0.1:{port}/v1"}
    async with compat_app(tmp_path, database_url, env) as app, client_and_account(app) as (client, account):
        assert await _models(client) == {}
        conversation = await client.post(
            "/v1/conversations", json={"avatarId": "ava", "model": "compat/llama3.2:1b"}, headers=account.key_headers
        )
        assert conversation.status_code == 503
        with serve(selfhosted.ollama(), port=port):  # type: ignore[arg-type]
            assert await _eventually_listed(client, "compat/llama3.2:1b")
            later = await client.post("/v1/ai/chat", json=_chat("compat/llama3.2:1b"), headers=account.key_headers)
            assert later.status_code == 200


async def _eventually_listed(client: httpx.AsyncClient, model: str) -> bool:
    for _ in range(50):
        if model in await _models(client):
            return True
        await asyncio.sleep(0.1)
    return False
