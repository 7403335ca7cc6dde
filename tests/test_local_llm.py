"""The real embedded model (SmolLM2 through llama.cpp), end to end through HTTP."""

from __future__ import annotations

import asyncio
import re
import time
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


_SYSTEM = ChatMessage("system", "You are Ava, a friendly assistant. Answer in one to three short sentences.")
_QUESTIONS = ["What is the capital of France?", "How are you today?", "Can you help me?", "What time is it?"]


async def _timed(request: ChatRequest, into: list[tuple[float, int, str]], n: int) -> None:
    async for event in _MODEL.stream(request):
        if isinstance(event, str):
            into.append((time.monotonic(), n, event))


def _greedy(question: str, max_tokens: int = 40) -> ChatRequest:
    return ChatRequest(MODEL_NAME, [_SYSTEM, ChatMessage("user", question)], max_tokens=max_tokens, temperature=0)


async def test_generations_at_once_give_the_replies_each_gives_alone() -> None:
    alone = [await _collect(_greedy(q)) for q in _QUESTIONS]
    together = await asyncio.gather(*(_collect(_greedy(q)) for q in _QUESTIONS))  # one batch, the system prompt shared
    assert together == alone


async def test_every_reply_starts_before_any_reply_has_two_sentences() -> None:
    events: list[tuple[float, int, str]] = []
    await asyncio.gather(*(_timed(_greedy(q, 64), events, n) for n, q in enumerate(_QUESTIONS)))
    firsts = {n: next(t for t, m, _ in events if m == n) for n in range(len(_QUESTIONS))}
    text = {n: "" for n in firsts}
    for at, n, piece in events:
        text[n] += piece
        if len(re.findall(r"[.!?]\s", text[n])) >= 2:  # a second sentence begins
            assert all(first <= at for first in firsts.values()), (text, firsts, at)


async def test_a_new_reply_opens_while_a_long_one_waits() -> None:
    events: list[tuple[float, int, str]] = []
    long = ChatRequest(
        MODEL_NAME, [ChatMessage("user", "Count from one to two hundred.")], max_tokens=200, temperature=0
    )
    running = asyncio.ensure_future(_timed(long, events, 0))
    while len(events) < 30:  # well past its first clause
        await asyncio.sleep(0.01)
    start = time.monotonic()
    await _timed(_greedy(_QUESTIONS[0], 24), events, 1)
    end = time.monotonic()
    await running
    during = [n for t, n, _ in events if start <= t <= end]
    newcomer, old = during.count(1), during.count(0)
    assert newcomer >= 4 and old <= 2 + newcomer // 3, (newcomer, old)  # the long one got a token every 4th step
    assert len([n for _, n, _ in events if n == 0]) > 30 + old  # and it went on afterwards
