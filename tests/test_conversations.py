"""Conversations (contract section 4): creation, history, replies, streaming, ending, isolation."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.db.models import Conversation, Message
from avatarium.providers.base import Speech
from avatarium.providers.registry import Providers
from testkit.fakes.llm import ScriptedLLM
from testkit.fakes.tts import InstantTTS
from tests.conftest import Account, create_conversation, new_account, set_tier

# The same rules must hold on both supported databases.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def _count(app: FastAPI, model: type[Conversation] | type[Message]) -> int:
    async with app.state.avatarium.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def test_create_starts_with_the_persona_greeting(client: httpx.AsyncClient, account: Account) -> None:
    data = await create_conversation(client, account, personaId="math-tutor", metadata={"userRef": "u-1", "n": 3})
    assert data["avatarId"] == "ava" and data["personaId"] == "math-tutor"
    # The voice belongs to the avatar, whatever persona it plays.
    assert data["voiceId"] == "espeak-en-us-female" and data["model"] == "local/smollm2-135m-instruct"
    assert data["status"] == "active" and data["endedAt"] is None
    assert data["metadata"] == {"userRef": "u-1", "n": 3}
    assert data["messageCount"] == 1
    assert data["messages"][0]["role"] == "assistant"
    assert data["messages"][0]["content"].startswith("Hi, I'm Ava")  # the math tutor, on Ava, speaks as Ava
    assert data["wsUrl"] == f"ws://testserver/v1/conversations/{data['id']}/ws"
    assert data["clientToken"]


async def test_a_persona_on_another_avatar_speaks_as_that_avatar(
    client: httpx.AsyncClient, account: Account, llm: ScriptedLLM
) -> None:
    data = await create_conversation(client, account, avatarId="marcus", personaId="support-agent")
    assert data["messages"][0]["content"] == "Hi, I'm Marcus from customer support. How can I help you today?"
    await client.post(f"/v1/conversations/{data['id']}/messages", json={"content": "Hi"}, headers=account.key_headers)
    system = llm.requests[-1].messages[0].content
    assert system.startswith("You are Marcus") and "Ava" not in system


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"avatarId": "nobody"}, "avatarId"),
        ({"avatarId": "ava", "personaId": "nobody"}, "personaId"),
        ({"avatarId": "ava", "voiceId": "nobody"}, "voiceId"),
        ({"avatarId": "ava", "model": "openai/gpt-99"}, "model"),
        ({"avatarId": "ava", "metadata": {f"k{i}": i for i in range(17)}}, "metadata"),
        ({"avatarId": "ava", "metadata": {"nested": {"a": 1}}}, "metadata.nested.str"),
        ({"avatarId": 7}, "avatarId"),
    ],
)
async def test_bad_input_is_400_and_stores_nothing(
    client: httpx.AsyncClient, account: Account, app: FastAPI, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/conversations", json=body, headers=account.key_headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == field
    assert await _count(app, Conversation) == 0


async def test_send_message_uses_system_prompt_and_whole_history(
    client: httpx.AsyncClient, account: Account, llm: ScriptedLLM
) -> None:
    conversation = await create_conversation(client, account, personaId="support-agent")
    url = f"/v1/conversations/{conversation['id']}/messages"
    first = await client.post(url, json={"content": "My order is late"}, headers=account.key_headers)
    assert first.status_code == 201
    body = first.json()["data"]
    assert body["message"]["role"] == "user" and body["message"]["content"] == "My order is late"
    assert body["reply"]["role"] == "assistant"
    assert body["reply"]["content"] == "You said: My order is late. That is a good point! Tell me more about it."
    await client.post(url, json={"content": "It was order 42"}, headers=account.key_headers)

    request = llm.requests[-1]
    assert request.messages[0].role == "system" and "Ava" in request.messages[0].content
    assert [m.role for m in request.messages[1:]] == ["assistant", "user", "assistant", "user"]
    assert request.messages[-1].content == "It was order 42"

    fetched = (await client.get(f"/v1/conversations/{conversation['id']}", headers=account.key_headers)).json()["data"]
    assert fetched["messageCount"] == 5
    assert [m["role"] for m in fetched["messages"]] == ["assistant", "user", "assistant", "user", "assistant"]
    assert fetched["messages"][1]["content"] == "My order is late"


async def test_custom_system_prompt_replaces_the_personas(
    client: httpx.AsyncClient, account: Account, llm: ScriptedLLM
) -> None:
    conversation = await create_conversation(client, account, systemPrompt="You are a pirate.")
    await client.post(
        f"/v1/conversations/{conversation['id']}/messages", json={"content": "Ahoy"}, headers=account.key_headers
    )
    assert llm.requests[-1].messages[0].content == "You are a pirate."


@pytest.mark.parametrize("content", ["", "   ", "x" * 4001])
async def test_message_content_is_bounded(
    client: httpx.AsyncClient, account: Account, app: FastAPI, content: str
) -> None:
    conversation = await create_conversation(client, account)
    response = await client.post(
        f"/v1/conversations/{conversation['id']}/messages", json={"content": content}, headers=account.key_headers
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "content"
    assert await _count(app, Message) == 1


async def test_provider_failure_stores_nothing(
    client: httpx.AsyncClient, account: Account, app: FastAPI, llm: ScriptedLLM
) -> None:
    from avatarium.providers.base import ProviderError

    conversation = await create_conversation(client, account)
    llm.fail_with = ProviderError("local", "timeout", "took too long")
    response = await client.post(
        f"/v1/conversations/{conversation['id']}/messages", json={"content": "hello"}, headers=account.key_headers
    )
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "GATEWAY_TIMEOUT"
    assert await _count(app, Message) == 1


async def test_streaming_reply_sends_deltas_then_done(client: httpx.AsyncClient, account: Account) -> None:
    conversation = await create_conversation(client, account)
    response = await client.post(
        f"/v1/conversations/{conversation['id']}/messages",
        json={"content": "Stream please", "stream": True},
        headers=account.key_headers,
    )
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _sse(response.text)
    deltas = [data["text"] for name, data in events if name == "delta"]
    name, done = events[-1]
    assert name == "done" and len(deltas) > 3
    assert done["reply"]["content"] == "".join(deltas)
    fetched = (await client.get(f"/v1/conversations/{conversation['id']}", headers=account.key_headers)).json()["data"]
    assert fetched["messages"][-1]["id"] == done["reply"]["id"]


async def test_reply_with_audio(client: httpx.AsyncClient, account: Account) -> None:
    conversation = await create_conversation(client, account)
    response = await client.post(
        f"/v1/conversations/{conversation['id']}/messages",
        json={"content": "Say something", "audio": True},
        headers=account.key_headers,
    )
    audio = response.json()["data"]["reply"]["audio"]
    assert audio["format"] == "wav" and audio["voiceId"] == conversation["voiceId"] and audio["provider"] == "local"
    assert audio["durationMs"] > 1000
    assert audio["visemes"][0]["startMs"] == 0 and audio["visemes"][-1]["endMs"] == audio["durationMs"]


async def test_end_is_idempotent_and_blocks_messages(client: httpx.AsyncClient, account: Account) -> None:
    conversation = await create_conversation(client, account)
    ended = (await client.post(f"/v1/conversations/{conversation['id']}/end", headers=account.key_headers)).json()
    assert ended["data"]["status"] == "ended" and ended["data"]["endedAt"]
    again = (await client.post(f"/v1/conversations/{conversation['id']}/end", headers=account.key_headers)).json()
    assert again["data"]["endedAt"] == ended["data"]["endedAt"]
    refused = await client.post(
        f"/v1/conversations/{conversation['id']}/messages", json={"content": "hi"}, headers=account.key_headers
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "CONFLICT"


async def test_another_accounts_conversation_is_404(client: httpx.AsyncClient, account: Account) -> None:
    conversation = await create_conversation(client, account)
    other = await new_account(client)
    for method, suffix in [("GET", ""), ("POST", "/end"), ("POST", "/messages")]:
        response = await client.request(
            method, f"/v1/conversations/{conversation['id']}{suffix}", json={"content": "hi"}, headers=other.key_headers
        )
        assert response.status_code == 404, suffix
    assert (await client.get("/v1/conversations/not-a-uuid", headers=account.key_headers)).status_code == 404
    assert (await client.get("/v1/conversations", headers=other.key_headers)).json()["data"] == []


async def test_list_is_newest_first_and_paginated(client: httpx.AsyncClient, account: Account) -> None:
    created = [(await create_conversation(client, account))["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/conversations", params=params, headers=account.key_headers)).json()
        seen += [c["id"] for c in page["data"]]
        cursor = page["meta"]["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "many"}, {"cursor": "garbage!"}])
async def test_bad_pagination_is_400(client: httpx.AsyncClient, account: Account, params: dict[str, Any]) -> None:
    response = await client.get("/v1/conversations", params=params, headers=account.key_headers)
    assert response.status_code == 400


async def test_chat_completion(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post(
        "/v1/ai/chat", json={"messages": [{"role": "user", "content": "ping"}]}, headers=account.key_headers
    )
    data = response.json()["data"]
    assert data["model"] == "local/smollm2-135m-instruct" and data["provider"] == "local"
    assert data["message"] == {
        "role": "assistant",
        "content": "You said: ping. That is a good point! Tell me more about it.",
    }
    assert data["finishReason"] == "stop" and data["usage"]["outputTokens"] > 0


async def test_chat_completion_streams(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post(
        "/v1/ai/chat",
        json={"messages": [{"role": "user", "content": "ping"}], "stream": True},
        headers=account.key_headers,
    )
    events = _sse(response.text)
    assert events[-1][0] == "done"
    assert "".join(d["text"] for n, d in events if n == "delta") == events[-1][1]["message"]["content"]


async def test_chat_errors(client: httpx.AsyncClient, account: Account) -> None:
    unknown = await client.post(
        "/v1/ai/chat",
        json={"model": "nope/x", "messages": [{"role": "user", "content": "a"}]},
        headers=account.key_headers,
    )
    assert unknown.status_code == 400
    unconfigured = await client.post(
        "/v1/ai/chat",
        json={"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "a"}]},
        headers=account.key_headers,
    )
    assert unconfigured.status_code == 503
    assert unconfigured.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


async def test_test_keys_are_served_locally_whatever_is_asked(client: httpx.AsyncClient) -> None:
    account = await new_account(client, mode="test")
    response = await client.post(
        "/v1/ai/chat",
        json={"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "a"}]},
        headers=account.key_headers,
    )
    assert response.status_code == 200
    assert response.json()["data"]["provider"] == "local"


async def test_a_spoken_reply_holds_no_lock_while_it_is_synthesised(settings: Settings) -> None:
    """The turn is stored before its audio is made: other writes to the conversation go on meanwhile."""
    speaking, release = asyncio.Event(), asyncio.Event()

    class HeldTTS(InstantTTS):
        async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
            speaking.set()
            await release.wait()
            return await super().synthesize(text, voice_id, speed)

    app = create_app(settings, Providers({"local": ScriptedLLM()}, {"local": HeldTTS()}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=30) as client:
        account = await new_account(client)
        await set_tier(app, account.email, "enterprise", 1000)
        conversation = await create_conversation(client, account)
        path = f"/v1/conversations/{conversation['id']}/messages"
        spoken = asyncio.create_task(
            client.post(path, json={"content": "Say it", "audio": True}, headers=account.key_headers)
        )
        await asyncio.wait_for(speaking.wait(), 10)
        written = await asyncio.wait_for(
            client.post(path, json={"content": "Meanwhile"}, headers=account.key_headers), 10
        )
        release.set()
        assert written.status_code == 201 and (await spoken).status_code == 201
    await app.state.avatarium.engine.dispose()
