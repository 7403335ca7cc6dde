"""The real embedded model (SmolLM2 through llama.cpp), end to end through HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.base import ChatMessage, ChatRequest, Finish
from avatarium.providers.local.llm import MODEL_NAME, LocalLLM
from tests.conftest import create_conversation, new_account, set_tier

_MODEL = LocalLLM(max_tokens=48)  # loaded once for this module


def teardown_module() -> None:
    _MODEL.unload()


@pytest.fixture
async def real_app(tmp_path, database_url: str) -> AsyncIterator[FastAPI]:  # type: ignore[no-untyped-def]
    from tests.conftest import make_providers

    app = create_app(
        Settings(data_dir=tmp_path, database_url=database_url, jwt_secret="s" * 40), make_providers(_MODEL)
    )
    yield app
    await app.state.avatarium.engine.dispose()


async def test_real_model_replies_in_a_conversation(real_app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=real_app), base_url="http://t") as client:
        account = await new_account(client)
        await set_tier(real_app, account.email, "enterprise", 1000)
        conversation = await create_conversation(client, account, personaId="math-tutor")
        response = await client.post(
            f"/v1/conversations/{conversation['id']}/messages",
            json={"content": "What is two plus two?"},
            headers=account.key_headers,
        )
    assert response.status_code == 201, response.text
    reply = response.json()["data"]["reply"]["content"]
    assert len(reply.split()) >= 2


async def test_real_model_streams_and_bounds_tokens() -> None:
    request = ChatRequest(MODEL_NAME, [ChatMessage("user", "Tell me a very long story about a dragon.")], max_tokens=16)
    events = [e async for e in _MODEL.stream(request)]
    finish = events[-1]
    assert isinstance(finish, Finish)
    assert finish.output_tokens <= 16 and finish.input_tokens > 0
    assert all(isinstance(e, str) for e in events[:-1]) and len(events) > 2


async def test_long_history_is_trimmed_to_the_context() -> None:
    history = [ChatMessage("system", "Be brief.")]
    for i in range(200):
        history.append(ChatMessage("user" if i % 2 == 0 else "assistant", "blah " * 40))
    history.append(ChatMessage("user", "Say hello."))
    events = [e async for e in _MODEL.stream(ChatRequest(MODEL_NAME, history, max_tokens=8))]
    assert isinstance(events[-1], Finish)
    assert events[-1].input_tokens < 2048


async def test_concurrent_generations_are_serialised_safely() -> None:
    async def one(n: int) -> str:
        request = ChatRequest(MODEL_NAME, [ChatMessage("user", f"Count to {n}.")], max_tokens=12, temperature=0)
        return "".join([e async for e in _MODEL.stream(request) if isinstance(e, str)])

    replies = await asyncio.gather(*(one(n) for n in range(3)))
    assert all(replies)


async def test_stopping_early_frees_the_model() -> None:
    request = ChatRequest(MODEL_NAME, [ChatMessage("user", "Write a long essay.")], max_tokens=200)
    stream = _MODEL.stream(request)
    async for _ in stream:
        break
    await stream.aclose()  # type: ignore[attr-defined]
    short = ChatRequest(MODEL_NAME, [ChatMessage("user", "Hi")], max_tokens=4)
    events = await asyncio.wait_for(asyncio.ensure_future(_collect(short)), timeout=30)
    assert isinstance(events[-1], Finish)


async def _collect(request: ChatRequest) -> list[object]:
    return [e async for e in _MODEL.stream(request)]
