"""The realtime socket against a real server on a loopback port, with a real WebSocket client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from avatarium.app import create_app
from avatarium.config import Settings
from testkit.fakes.llm import ScriptedLLM
from testkit.fakes.server import serve
from tests.conftest import make_providers, set_tier_elsewhere
from tests.support.redis import redis_url as redis_server_url

LONG_REPLY = " ".join(f"This is sentence number {n} of a long answer." for n in range(1, 40))


@pytest.fixture
def slow_llm() -> ScriptedLLM:
    return ScriptedLLM(token_delay=0.01)


@pytest.fixture
def server(tmp_path: Path, database_url: str, slow_llm: ScriptedLLM) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, jwt_secret="s" * 40)
    with serve(create_app(settings, make_providers(slow_llm))) as base:
        yield base


class Client:
    """An account on the running server, over real HTTP."""

    def __init__(self, base: str, http: httpx.AsyncClient, database_url: str) -> None:
        self.base = base
        self.http = http
        self.database_url = database_url
        self.key = ""
        self.email = ""

    async def register(self, tier: str = "enterprise", rate_limit: int | None = 100_000) -> Client:
        self.email = f"rt-{time.monotonic_ns()}@example.com"
        token = (
            await self.http.post("/v1/auth/register", json={"email": self.email, "password": "long enough"})
        ).json()
        jwt = token["data"]["token"]
        created = await self.http.post("/v1/api-keys", json={"name": "rt"}, headers={"Authorization": f"Bearer {jwt}"})
        self.key = created.json()["data"]["key"]
        await set_tier_elsewhere(self.database_url, self.email, tier, rate_limit)
        return self

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    async def conversation(self) -> dict[str, Any]:
        response = await self.http.post("/v1/conversations", json={"avatarId": "ava"}, headers=self.headers)
        data: dict[str, Any] = response.json()["data"]
        return data

    def ws_url(self, conversation: dict[str, Any], token: str | None = None) -> str:
        url = self.base.replace("http://", "ws://") + f"/v1/conversations/{conversation['id']}/ws"
        return url + (f"?token={token}" if token else "")

    def connect(self, conversation: dict[str, Any], **kwargs: Any) -> Any:
        return connect(self.ws_url(conversation), additional_headers=self.headers, **kwargs)


@pytest.fixture
async def rt(server: str, database_url: str) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(base_url=server) as http:
        yield await Client(server, http, database_url).register()


async def recv(ws: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return event


async def until(ws: ClientConnection, kind: str, timeout: float = 20) -> list[dict[str, Any]]:
    """Every event up to and including the first of type `kind`."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        event = await recv(ws, max(0.1, deadline - time.monotonic()))
        seen.append(event)
        if event["type"] == kind:
            return seen


async def test_a_full_turn(rt: Client) -> None:
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        ready = await recv(ws)
        assert ready["type"] == "ready" and ready["conversation"]["id"] == conversation["id"]
        await ws.send(json.dumps({"type": "message", "content": "Hello there"}))
        events = await until(ws, "reply.done")
        events += await until(ws, "state")
    kinds = [e["type"] for e in events]
    assert kinds[:2] == ["state", "message"] and events[0]["state"] == "thinking"
    assert events[1]["message"]["content"] == "Hello there" and events[1]["message"]["role"] == "user"
    deltas = [e for e in events if e["type"] == "reply.delta"]
    audio = [e for e in events if e["type"] == "audio"]
    done = next(e for e in events if e["type"] == "reply.done")
    assert "".join(d["text"] for d in deltas) == done["message"]["content"]
    assert {d["messageId"] for d in deltas} == {a["messageId"] for a in audio} == {done["message"]["id"]}
    assert [a["seq"] for a in audio] == list(range(len(audio))) and len(audio) >= 2
    assert kinds.index("audio") < kinds.index("reply.done")
    assert " ".join(a["text"] for a in audio) == done["message"]["content"]
    for chunk in audio:
        assert chunk["format"] == "wav" and chunk["sampleRate"] == 22050 and chunk["data"]
        assert chunk["visemes"][0]["startMs"] == 0 and chunk["visemes"][-1]["endMs"] == chunk["durationMs"]
    speaking = kinds.index("state", 1)
    assert events[speaking]["state"] == "speaking" and speaking < kinds.index("audio") + 1
    assert events[-1] == {"type": "state", "state": "idle"}
    assert done["message"]["metrics"]["ttftMs"] >= 0 and done["message"]["metrics"]["ttfaMs"] >= 0
    stored = (await rt.http.get(f"/v1/conversations/{conversation['id']}", headers=rt.headers)).json()["data"]
    assert [m["role"] for m in stored["messages"]] == ["assistant", "user", "assistant"]
    assert stored["messages"][-1]["content"] == done["message"]["content"]


async def test_audio_arrives_before_generation_ends(rt: Client, slow_llm: ScriptedLLM) -> None:
    slow_llm.reply = lambda _request: LONG_REPLY
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await ws.send(json.dumps({"type": "message", "content": "Tell me a lot"}))
        events = await until(ws, "audio")
        await ws.send(json.dumps({"type": "interrupt"}))
    deltas = "".join(e["text"] for e in events if e["type"] == "reply.delta")
    assert len(deltas) < len(LONG_REPLY) / 2  # the first sentence was spoken while the reply was still streaming


async def test_client_token_in_query(rt: Client) -> None:
    conversation = await rt.conversation()
    async with connect(rt.ws_url(conversation, conversation["clientToken"])) as ws:
        assert (await recv(ws))["type"] == "ready"
        await ws.send(json.dumps({"type": "ping"}))
        assert (await recv(ws)) == {"type": "pong"}


async def test_a_fresh_client_token_reopens_the_socket_once_the_first_has_expired(
    tmp_path: Path, database_url: str
) -> None:
    settings = Settings(
        data_dir=tmp_path / "short", database_url=database_url, jwt_secret="s" * 40, client_token_ttl_seconds=1
    )
    with serve(create_app(settings, make_providers())) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            rt = await Client(base, http, database_url).register()
            conversation = await rt.conversation()
            await asyncio.sleep(2)
            assert await _close_code(rt.ws_url(conversation, conversation["clientToken"])) == 4401
            renewed = await http.post(f"/v1/conversations/{conversation['id']}/client-token", headers=rt.headers)
            assert renewed.status_code == 201 and renewed.headers["cache-control"] == "no-store"
            fresh = renewed.json()["data"]
            assert fresh["conversationId"] == conversation["id"] and fresh["wsUrl"] == conversation["wsUrl"]
            assert fresh["clientTokenExpiresAt"] > conversation["clientTokenExpiresAt"]
            async with connect(rt.ws_url(conversation, fresh["clientToken"])) as ws:
                assert (await recv(ws))["type"] == "ready"


async def test_client_tokens_are_issued_only_to_the_owner_of_an_active_conversation(rt: Client, server: str) -> None:
    conversation = await rt.conversation()
    path = f"/v1/conversations/{conversation['id']}/client-token"
    other = await Client(server, rt.http, rt.database_url).register()
    assert (await rt.http.post(path, headers=other.headers)).json()["error"]["code"] == "NOT_FOUND"
    with_client_token = {"Authorization": f"Bearer {conversation['clientToken']}"}
    assert (await rt.http.post(path, headers=with_client_token)).status_code == 401  # it opens a socket, no more
    assert (await rt.http.post("/v1/conversations/nope/client-token", headers=rt.headers)).status_code == 404
    await rt.http.post(f"/v1/conversations/{conversation['id']}/end", headers=rt.headers)
    ended = await rt.http.post(path, headers=rt.headers)
    assert ended.status_code == 409 and ended.json()["error"]["code"] == "CONFLICT"


async def _close_code(url: str, headers: dict[str, str] | None = None) -> int | None:
    async with connect(url, additional_headers=headers or {}) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await recv(ws)
    return closed.value.rcvd.code if closed.value.rcvd else None


async def test_handshake_failures_close_with_contract_codes(rt: Client, server: str, database_url: str) -> None:
    conversation = await rt.conversation()
    assert await _close_code(rt.ws_url(conversation)) == 4401
    assert await _close_code(rt.ws_url(conversation, "not-a-token")) == 4401
    assert await _close_code(rt.ws_url(conversation), {"Authorization": "Bearer av_live_" + "x" * 40}) == 4401
    other = await Client(server, rt.http, database_url).register()
    assert await _close_code(rt.ws_url(conversation), other.headers) == 4404
    other_conversation = await other.conversation()
    # A client token is valid only for its own conversation.
    assert await _close_code(rt.ws_url(other_conversation, conversation["clientToken"])) == 4404
    await rt.http.post(f"/v1/conversations/{conversation['id']}/end", headers=rt.headers)
    assert await _close_code(rt.ws_url(conversation), rt.headers) == 4409
    limited = await Client(server, rt.http, database_url).register(tier="enterprise", rate_limit=2)
    limited_conversation = await limited.conversation()  # with the key's creation, both requests of this minute
    assert await _close_code(limited.ws_url(limited_conversation), limited.headers) == 4429


async def test_interrupt_stops_the_reply_and_stores_what_was_heard(rt: Client, slow_llm: ScriptedLLM) -> None:
    slow_llm.reply = lambda _request: LONG_REPLY
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await ws.send(json.dumps({"type": "message", "content": "Go on and on"}))
        before = await until(ws, "audio")
        await ws.send(json.dumps({"type": "interrupt"}))
        after = await until(ws, "reply.done", timeout=5)
        reply_id = after[-1]["message"]["id"]
        assert after[-1]["message"]["interrupted"] is True
        await asyncio.sleep(0.3)
        await ws.send(json.dumps({"type": "ping"}))
        trailing = await until(ws, "pong")
    late = [e for e in trailing if e["type"] in ("reply.delta", "audio") and e.get("messageId") == reply_id]
    assert late == []
    heard = " ".join(e["text"] for e in before + after if e["type"] == "audio")
    assert after[-1]["message"]["content"] == heard
    stored = (await rt.http.get(f"/v1/conversations/{conversation['id']}", headers=rt.headers)).json()["data"]
    assert stored["messages"][-1]["interrupted"] is True and stored["messages"][-1]["content"] == heard


async def test_new_message_during_reply_cancels_it(rt: Client, slow_llm: ScriptedLLM) -> None:
    slow_llm.reply = lambda request: LONG_REPLY if request.messages[-1].content == "first" else "Short answer."
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await ws.send(json.dumps({"type": "message", "content": "first", "audio": False}))
        await until(ws, "reply.delta")
        await ws.send(json.dumps({"type": "message", "content": "second", "audio": False}))
        events = await until(ws, "reply.done")
        first_done = events[-1]["message"]
        events = await until(ws, "reply.done")
    assert first_done["interrupted"] is True and 0 < len(first_done["content"]) < len(LONG_REPLY)
    assert events[-1]["message"]["content"] == "Short answer." and events[-1]["message"]["interrupted"] is False
    stored = (await rt.http.get(f"/v1/conversations/{conversation['id']}", headers=rt.headers)).json()["data"]
    assert [m["content"] for m in stored["messages"][1:]] == ["first", first_done["content"], "second", "Short answer."]


async def test_disconnect_mid_reply_stores_the_partial_reply(rt: Client, slow_llm: ScriptedLLM) -> None:
    slow_llm.reply = lambda _request: LONG_REPLY
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await ws.send(json.dumps({"type": "message", "content": "talk", "audio": False}))
        await until(ws, "reply.delta")
    last: dict[str, Any] = {}
    for _ in range(100):  # the server notices the disconnect and stores the partial reply
        stored = (await rt.http.get(f"/v1/conversations/{conversation['id']}", headers=rt.headers)).json()["data"]
        last = stored["messages"][-1]
        if last["role"] == "assistant" and len(stored["messages"]) == 3:
            break
        await asyncio.sleep(0.05)
    assert last["role"] == "assistant" and last["interrupted"] is True
    assert LONG_REPLY.startswith(last["content"]) and last["content"]


async def test_two_sockets_on_one_conversation_both_receive(rt: Client) -> None:
    conversation = await rt.conversation()
    async with (
        rt.connect(conversation) as first,
        connect(rt.ws_url(conversation, conversation["clientToken"])) as second,
    ):
        await recv(first)
        await recv(second)
        await first.send(json.dumps({"type": "message", "content": "Hello both"}))
        a = await until(first, "reply.done")
        b = await until(second, "reply.done")
    assert a[-1]["message"]["id"] == b[-1]["message"]["id"]
    assert [e["type"] for e in a if e["type"] == "audio"] == [e["type"] for e in b if e["type"] == "audio"]


async def test_messages_count_against_the_rate_limit(server: str, database_url: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        client = await Client(server, http, database_url).register(tier="enterprise", rate_limit=5)
        conversation = await client.conversation()  # 2 (creating the key was 1)
        async with client.connect(conversation) as ws:  # 3
            await recv(ws)
            errors = []
            for n in range(4):  # 4, 5, then refused twice
                await ws.send(json.dumps({"type": "message", "content": f"m{n}", "audio": False}))
            while len(errors) < 2:
                event = await recv(ws)
                if event["type"] == "error":
                    errors.append(event["error"]["code"])
            await ws.send(json.dumps({"type": "ping"}))
            await until(ws, "pong")
    assert errors == ["TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "BAD_REQUEST"),
        ('{"type": "dance"}', "BAD_REQUEST"),
        ('{"type": "message"}', "BAD_REQUEST"),
        ('{"type": "message", "content": "   "}', "BAD_REQUEST"),
        ('{"type": "message", "content": "Hi", "audio": 0}', "BAD_REQUEST"),  # the JSON types of the protocol
        ('{"type": "session.update", "inputAudio": {"sampleRate": "16000"}}', "BAD_REQUEST"),
        ("[1, 2]", "BAD_REQUEST"),
        (json.dumps({"type": "message", "content": "x" * 70_000}), "PAYLOAD_TOO_LARGE"),
        (b"\x00\x01binary", "UNSUPPORTED_MEDIA_TYPE"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(rt: Client, frame: str | bytes, code: str) -> None:
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await ws.send(frame)
        error = await recv(ws)
        assert error["type"] == "error" and error["error"]["code"] == code
        await ws.send(json.dumps({"type": "ping"}))
        assert await recv(ws) == {"type": "pong"}


async def test_end_over_the_socket(rt: Client) -> None:
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await ws.send(json.dumps({"type": "end"}))
        ended = await recv(ws)
        assert ended["type"] == "ended" and ended["conversation"]["status"] == "ended"
        with pytest.raises(ConnectionClosed):
            await recv(ws)
    stored = (await rt.http.get(f"/v1/conversations/{conversation['id']}", headers=rt.headers)).json()["data"]
    assert stored["status"] == "ended"


async def test_sockets_on_two_instances_share_a_conversation_through_redis(tmp_path: Path, database_url: str) -> None:
    import redis.asyncio as aioredis

    redis_url = redis_server_url(14)
    flush = aioredis.from_url(redis_url)
    await flush.flushdb()
    await flush.aclose()
    settings = Settings(
        data_dir=tmp_path / "shared", database_url=database_url, jwt_secret="s" * 40, redis_url=redis_url
    )
    with (
        serve(create_app(settings, make_providers(ScriptedLLM()))) as one,
        serve(create_app(settings, make_providers(ScriptedLLM()))) as two,
    ):
        async with httpx.AsyncClient(base_url=one) as http:
            client = await Client(one, http, database_url).register()
            conversation = await client.conversation()
        url_two = two.replace("http://", "ws://") + f"/v1/conversations/{conversation['id']}/ws"
        async with client.connect(conversation) as first, connect(url_two, additional_headers=client.headers) as second:
            await recv(first)
            await recv(second)
            await first.send(json.dumps({"type": "message", "content": "Hello across instances"}))
            a = await until(first, "reply.done")
            b = await until(second, "reply.done")
    assert a[-1]["message"]["id"] == b[-1]["message"]["id"]
    assert [e["type"] for e in a] == [e["type"] for e in b]


async def test_plain_http_to_the_socket_url_is_426(rt: Client) -> None:
    conversation = await rt.conversation()
    response = await rt.http.get(f"/v1/conversations/{conversation['id']}/ws", headers=rt.headers)
    assert response.status_code == 426
    assert response.json()["error"]["code"] == "UPGRADE_REQUIRED" and response.headers["Upgrade"] == "websocket"
    assert (await rt.http.get(f"/v1/conversations/{conversation['id']}/ws")).status_code == 401


async def test_messages_sent_back_to_back_are_each_stored_and_echoed(rt: Client, slow_llm: ScriptedLLM) -> None:
    slow_llm.reply = lambda request: f"About {request.messages[-1].content}: here is a longer answer to it."
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        for word in ("one", "two", "three"):
            await ws.send(json.dumps({"type": "message", "content": word, "audio": False}))
        events: list[dict[str, Any]] = []
        while not any(e["type"] == "reply.done" and not e["message"]["interrupted"] for e in events):
            events.append(await recv(ws))
    echoed = [e["message"]["content"] for e in events if e["type"] == "message"]
    assert echoed == ["one", "two", "three"]
    assert not [e for e in events if e["type"] == "error"]
    stored = (await rt.http.get(f"/v1/conversations/{conversation['id']}", headers=rt.headers)).json()["data"]
    users = [m["content"] for m in stored["messages"] if m["role"] == "user"]
    assert users == ["one", "two", "three"]
    assert stored["messages"][-1]["content"] == "About three: here is a longer answer to it."


async def test_a_revoked_key_closes_its_socket_at_the_next_message(rt: Client) -> None:
    jwt = (await rt.http.post("/v1/auth/login", json={"email": rt.email, "password": "long enough"})).json()
    auth = {"Authorization": f"Bearer {jwt['data']['token']}"}
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        keys = (await rt.http.get("/v1/api-keys", headers=auth)).json()["data"]
        assert (await rt.http.delete(f"/v1/api-keys/{keys[0]['id']}", headers=auth)).status_code == 200
        await ws.send(json.dumps({"type": "message", "content": "still there?", "audio": False}))
        error = await recv(ws)
        assert error["type"] == "error" and error["error"]["code"] == "UNAUTHORIZED"
        with pytest.raises(ConnectionClosed) as closed:
            await recv(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    async with httpx.AsyncClient(base_url=rt.base) as http:
        login = (await http.post("/v1/auth/login", json={"email": rt.email, "password": "long enough"})).json()
        owner = {"Authorization": f"Bearer {login['data']['token']}"}
        stored = await http.get(f"/v1/conversations/{conversation['id']}", headers=owner)
    assert [m["content"] for m in stored.json()["data"]["messages"] if m["role"] == "user"] == []


async def test_an_idle_socket_closes_once_its_key_is_revoked(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, jwt_secret="s" * 40, socket_recheck_seconds=0.2
    )
    with serve(create_app(settings, make_providers(ScriptedLLM()))) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            client = await Client(base, http, database_url).register()
            jwt = (await http.post("/v1/auth/login", json={"email": client.email, "password": "long enough"})).json()
            auth = {"Authorization": f"Bearer {jwt['data']['token']}"}
            conversation = await client.conversation()
            async with client.connect(conversation) as ws:
                await recv(ws)
                key_id = (await http.get("/v1/api-keys", headers=auth)).json()["data"][0]["id"]
                await http.delete(f"/v1/api-keys/{key_id}", headers=auth)
                assert (await recv(ws))["error"]["code"] == "UNAUTHORIZED"
                with pytest.raises(ConnectionClosed) as closed:
                    await recv(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_a_client_that_stops_reading_is_closed_instead_of_buffered(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, jwt_secret="s" * 40, socket_max_pending_events=20
    )
    llm = ScriptedLLM(reply=lambda _request: LONG_REPLY * 3)
    with serve(create_app(settings, make_providers(llm))) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            client = await Client(base, http, database_url).register()
            conversation = await client.conversation()
            async with client.connect(conversation, max_queue=1, max_size=None) as ws:
                await recv(ws)
                await ws.send(json.dumps({"type": "message", "content": "Say a lot"}))
                await asyncio.sleep(3)  # not reading: the server's buffers and then our queue fill up
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        await recv(ws, timeout=30)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
