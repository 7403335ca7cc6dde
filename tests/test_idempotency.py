"""Idempotency-Key on POST (contract section 6)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from avatarium.db.models import Conversation
from testkit.fakes.llm import ScriptedLLM
from tests.conftest import Account


async def _conversations(app: FastAPI) -> int:
    async with app.state.avatarium.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Conversation)) or 0)


async def test_same_key_and_body_replays_the_stored_response(
    client: httpx.AsyncClient, account: Account, app: FastAPI
) -> None:
    headers = {**account.key_headers, "Idempotency-Key": "create-1"}
    first = await client.post("/v1/conversations", json={"avatarId": "ava"}, headers=headers)
    second = await client.post("/v1/conversations", json={"avatarId": "ava"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert second.json()["data"] == first.json()["data"]
    assert second.json()["meta"]["requestId"] == second.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert await _conversations(app) == 1


async def test_same_key_other_body_is_400(client: httpx.AsyncClient, account: Account) -> None:
    headers = {**account.key_headers, "Idempotency-Key": "create-2"}
    await client.post("/v1/conversations", json={"avatarId": "ava"}, headers=headers)
    other = await client.post("/v1/conversations", json={"avatarId": "kai"}, headers=headers)
    assert other.status_code == 400
    assert other.json()["error"]["details"][0]["field"] == "Idempotency-Key"


async def test_keys_are_per_account(client: httpx.AsyncClient, account: Account, app: FastAPI) -> None:
    from tests.conftest import new_account

    other = await new_account(client)
    for acct in (account, other):
        response = await client.post(
            "/v1/conversations", json={"avatarId": "ava"}, headers={**acct.key_headers, "Idempotency-Key": "shared"}
        )
        assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert await _conversations(app) == 2


async def test_same_key_in_flight_is_409(client: httpx.AsyncClient, account: Account, llm: ScriptedLLM) -> None:
    conversation = (
        await client.post("/v1/conversations", json={"avatarId": "ava"}, headers=account.key_headers)
    ).json()
    url = f"/v1/conversations/{conversation['data']['id']}/messages"
    llm.token_delay = 0.05
    headers = {**account.key_headers, "Idempotency-Key": "msg-1"}
    slow = asyncio.create_task(client.post(url, json={"content": "hello"}, headers=headers))
    while not llm.requests:  # the first request has claimed the key and is generating
        await asyncio.sleep(0.01)
    concurrent = await client.post(url, json={"content": "hello"}, headers=headers)
    assert concurrent.status_code == 409
    assert (await slow).status_code == 201
    replay = await client.post(url, json={"content": "hello"}, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["data"] == (await slow).json()["data"]


async def test_server_errors_release_the_key(client: httpx.AsyncClient, account: Account, llm: ScriptedLLM) -> None:
    headers = {**account.key_headers, "Idempotency-Key": "chat-1"}
    body = {"messages": [{"role": "user", "content": "hi"}]}
    llm.fail_with = RuntimeError("boom")
    assert (await client.post("/v1/ai/chat", json=body, headers=headers)).status_code == 500
    llm.fail_with = None
    retried = await client.post("/v1/ai/chat", json=body, headers=headers)
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers


async def test_raw_audio_is_replayed_byte_for_byte(client: httpx.AsyncClient, account: Account) -> None:
    headers = {**account.key_headers, "Idempotency-Key": "speech-1", "Accept": "audio/wav"}
    body = {"text": "Hello, this is recorded once."}
    first = await client.post("/v1/tts", json=body, headers=headers)
    second = await client.post("/v1/tts", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.content == first.content and second.headers["content-type"] == "audio/wav"
    assert second.headers["X-Audio-Duration-Ms"] == first.headers["X-Audio-Duration-Ms"]
    assert second.headers["X-Voice-Id"] == first.headers["X-Voice-Id"]
    assert second.headers["X-Request-Id"] != first.headers["X-Request-Id"]
