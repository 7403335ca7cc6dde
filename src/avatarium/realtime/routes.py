"""GET /v1/conversations/:id/ws — the realtime socket (contract section 5)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.websockets import WebSocketState

from avatarium.auth.principal import Principal, bearer_token
from avatarium.conversations import service
from avatarium.conversations.schemas import conversation_out, message_out
from avatarium.db.models import Conversation
from avatarium.deps import ApiCaller, count_request
from avatarium.errors import ApiError, outage, provider_error, validation_error
from avatarium.providers.base import ProviderError
from avatarium.realtime.drain import CLOSE_RESTART, RESTART_REASON
from avatarium.realtime.fanout import OVERFLOW, Subscription
from avatarium.realtime.protocol import ClientMessage, error_event, parse_frame
from avatarium.realtime.turn import Turn, VoiceTiming
from avatarium.realtime.voice import Listening
from avatarium.state import AppState

router = APIRouter(tags=["conversations"])
log = logging.getLogger("avatarium.realtime")

CLOSE_AUTH, CLOSE_NOT_FOUND, CLOSE_ENDED, CLOSE_RATE_LIMITED = 4401, 4404, 4409, 4429
CLOSE_TOO_SLOW = 1008  # policy violation: the client stopped reading while events piled up
CLOSE_UNAVAILABLE = 4503  # like the other 44xx codes, the HTTP status + 4000: Redis or the database is down


@dataclass(frozen=True)
class Opened:
    caller: Principal
    token: str  # what the socket was opened with, checked again while it stays open
    conversation: Conversation
    ready: dict[str, Any]  # sent once the socket is subscribed


async def _authenticate(socket: WebSocket, state: AppState) -> tuple[Principal, str] | None:
    token = bearer_token(socket.headers.get("authorization"))
    if token:
        caller = await state.auth.resolve(token)
        return (caller, token) if caller else None
    query_token = socket.query_params.get("token")
    if query_token:
        caller = await state.auth.resolve_client_token(query_token)
        return (caller, query_token) if caller else None
    return None


async def _rate_limited(state: AppState, caller: Principal) -> bool:
    """Each handshake and each client `message` counts as one request of the account."""
    return not (await count_request(state, caller, "")).allowed


async def _open(socket: WebSocket, state: AppState, conversation_id: str) -> Opened | None:
    """Authenticate and find the conversation, closing with the contract's code on failure."""
    authenticated = await _authenticate(socket, state)
    if authenticated is None:
        await socket.close(CLOSE_AUTH, "unauthorized")
        return None
    caller, token = authenticated
    async with state.sessions() as session:
        try:
            conversation, messages = await service.get_with_messages(session, caller, conversation_id)
        except ApiError:
            await socket.close(CLOSE_NOT_FOUND, "conversation not found")
            return None
    if conversation.status != "active":
        await socket.close(CLOSE_ENDED, "conversation ended")
        return None
    if await _rate_limited(state, caller):
        await socket.close(CLOSE_RATE_LIMITED, "rate limited")
        return None
    ready = {
        "type": "ready",
        "conversation": {**conversation_out(conversation), "messages": [message_out(m) for m in messages]},
    }
    return Opened(caller, token, conversation, ready)


class Closed(Exception):
    """The connection must close with this code (the client has been told why)."""

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason


class Connection:
    """One socket: reads client frames, runs at most one turn at a time, forwards fanned-out events.

    Every client `message` is either stored (and echoed to every socket of the conversation)
    or answered with an `error` event saying why. A message that arrives while a reply is
    running interrupts that reply first (barge-in), then is stored and answered.
    """

    def __init__(self, socket: WebSocket, state: AppState, opened: Opened) -> None:
        self.socket = socket
        self.state = state
        self.caller = opened.caller
        self.token = opened.token
        self.conversation = opened.conversation
        self.turn: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()  # typed and spoken messages arrive from different tasks
        self.listening = Listening(self)

    @property
    def replying(self) -> bool:
        return self.turn is not None and not self.turn.done()

    async def send(self, event: dict[str, Any]) -> None:
        if self.socket.application_state == WebSocketState.CONNECTED:
            await self.socket.send_json(event)

    async def forward(self, subscription: Subscription) -> None:
        while True:
            event = await subscription.get()
            if event["type"] == OVERFLOW:
                raise Closed(CLOSE_TOO_SLOW, "client too slow: too many events waiting")
            await self.send(event)
            if event["type"] == "audio":
                self.listening.echo.said(event["text"], event["durationMs"])
            if event.get("type") == "ended":
                raise Closed(1000, "conversation ended")

    async def watch_credentials(self) -> None:
        """Close the socket once its credential no longer holds, even while the client is silent."""
        while True:
            await asyncio.sleep(self.state.settings.socket_recheck_seconds)
            await self.check_credentials()

    async def leave_on_restart(self) -> None:
        """Once the instance is leaving: close with 1012 as soon as the running turn is done (or cut)."""
        await self.state.drain.until_leaving(lambda: self.turn)
        raise Closed(CLOSE_RESTART, RESTART_REASON)

    async def check_credentials(self) -> None:
        if await self.state.auth.recheck(self.caller, self.token) is None:
            await self.send(error_event("UNAUTHORIZED", "The credential of this connection was revoked or has expired"))
            raise Closed(CLOSE_AUTH, "unauthorized")

    async def interrupt(self) -> None:
        if self.turn is not None and not self.turn.done():
            self.turn.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.turn
        self.turn = None

    async def handle(self, frame: ClientMessage) -> None:
        """Act on one client frame; raises `Closed` when the socket should close."""
        if frame.type == "ping":
            await self.send({"type": "pong"})
        elif frame.type == "interrupt":
            await self.interrupt()
        elif frame.type == "end":
            await self.check_credentials()
            await self.interrupt()
            async with self.state.sessions.begin() as session:
                ended = await service.end(session, self.caller, str(self.conversation.id))
            await self.state.fanout.publish(
                self.conversation.id, {"type": "ended", "conversation": conversation_out(ended)}
            )
        elif frame.type == "message":
            await self.message(frame.content.strip(), frame.audio)
        elif frame.type == "session.update":
            await self.listening.update(frame)
        elif frame.type == "input_audio.append":
            await self.listening.append(frame.data)
        elif frame.type == "input_audio.commit":
            await self.listening.commit()
        elif frame.type == "input_audio.clear":
            self.listening.clear()

    async def message(self, content: str, speak: bool, voice: VoiceTiming | None = None, reply: bool = True) -> None:
        """Store a user message (typed, or spoken when `voice` says how it was heard) and start its reply."""
        async with self._starting:
            await self._store_and_reply(content, speak, voice, reply)

    async def _store_and_reply(self, content: str, speak: bool, voice: VoiceTiming | None, reply: bool) -> None:
        await self.check_credentials()
        if await _rate_limited(self.state, self.caller):
            await self.send(error_event("TOO_MANY_REQUESTS", "Rate limit exceeded; this message was not processed"))
            return
        await self.interrupt()
        await self.state.fanout.publish(self.conversation.id, {"type": "state", "state": "thinking"})
        try:
            async with self.state.sessions.begin() as session:
                source = "voice" if voice else "text"
                history, user = await service.add_user_message(session, self.conversation, content, source)
        except ApiError as exc:
            await self.send(error_event(exc.code, f"{exc.message}; this message was not stored"))
            await self.state.fanout.publish(self.conversation.id, {"type": "state", "state": "idle"})
            return
        await self.state.fanout.publish(self.conversation.id, {"type": "message", "message": message_out(user)})
        if not reply:
            await self.state.fanout.publish(self.conversation.id, {"type": "state", "state": "idle"})
            return
        turn = Turn(self.state, self.caller, self.conversation, history, user, speak, voice)
        self.turn = asyncio.create_task(turn.run())

    async def read(self) -> None:
        while True:
            message = await self.socket.receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                if message.get("bytes") is not None:
                    await self.listening.audio(message["bytes"])  # microphone PCM (contract section 9)
                else:
                    await self.handle(parse_frame(message.get("text") or ""))
            except ApiError as exc:
                await self.send(error_event(exc.code, exc.message))
            except ValidationError as exc:
                error = validation_error(exc.errors())
                await self.send(error_event(error.code, error.message))
            except ProviderError as exc:  # an unknown speech-to-text model, say
                error = provider_error(exc)
                await self.send(error_event(error.code, error.message))
            except Exception as exc:
                unavailable = outage(exc)
                if unavailable is None:
                    raise
                log.warning("socket frame not handled: %s (%r)", unavailable.message, exc)
                await self.send(error_event(unavailable.code, f"{unavailable.message}; this frame was not handled"))


PROTOCOL = """The realtime socket of a conversation: open it with a WebSocket upgrade (`ws://` or `wss://`);
a plain HTTP request is answered 426.

**Authentication**: `Authorization: Bearer <API key or user JWT>`, or `?token=<clientToken>` (from
`POST /v1/conversations`). The handshake is accepted, then closed with 4401 (credentials), 4404 (no such
conversation, or another account's), 4409 (ended), 4429 (rate limited) or 4503 (a dependency is down).

**Client → server**, JSON text frames with a `type`: `message {content, audio?}` (counted against the rate
limit), `interrupt`, `ping`, `end`, and for voice input `session.update {inputAudio?, sttModel?, language?}`,
`input_audio.append {data}` (base64 PCM, or binary frames of raw PCM), `input_audio.commit`,
`input_audio.clear`.

**Server → client**: `ready {conversation}` (with its messages), `state {state: idle|thinking|speaking}`,
`message {message}` (a stored user message), `reply.delta {messageId, text}`, `audio {messageId, seq, text,
format, sampleRate, data, durationMs, visemes}` (one per sentence, a WAV as base64), `reply.done {message}`,
`error {error: {code, message}}`, `pong`, `ended {conversation}`, and for voice input `session.updated
{session}`, `speech.started {atMs}`, `speech.stopped {atMs}`, `transcript.done`. A new `message` or an
`interrupt` stops the running reply, which is stored as heard (`interrupted: true`). A socket whose client
stops reading is closed with 1008; one on a server that restarts with 1012, once its reply is done; one
whose credential is revoked gets `error` `UNAUTHORIZED` and closes with 4401. Every frame and field, for
client authors: `docs/realtime.md` in the repository."""


@router.get(
    "/conversations/{conversation_id}/ws",
    summary="Upgrade to WebSocket (see the realtime protocol)",
    description=PROTOCOL,
    status_code=426,
    response_model=None,
    response_description="Not a WebSocket upgrade",
)
async def conversation_socket_over_http(_caller: ApiCaller, conversation_id: str) -> None:
    """A plain HTTP request to the socket's URL: say how to connect instead of a bare 404."""
    raise ApiError(
        426, "Connect with a WebSocket upgrade (ws:// or wss://) to use this endpoint", headers={"Upgrade": "websocket"}
    )


@router.websocket("/conversations/{conversation_id}/ws")
async def conversation_socket(socket: WebSocket, conversation_id: str) -> None:
    state: AppState = socket.app.state.avatarium
    await socket.accept()
    if state.drain.draining:  # a handshake that raced the listener's closing: the client goes elsewhere
        await socket.close(CLOSE_RESTART, RESTART_REASON)
        return
    try:
        opened = await _open(socket, state, conversation_id)
        if opened is None:
            return
        with state.drain.tracking():
            close = await _serve(socket, Connection(socket, state, opened), state, opened)
    except Exception as exc:
        if outage(exc) is None:
            raise
        log.warning("socket closed: a dependency is unavailable (%r)", exc)
        close = (CLOSE_UNAVAILABLE, "service unavailable; reconnect shortly")
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the client may have gone already
        await socket.close(*close)


async def _serve(socket: WebSocket, connection: Connection, state: AppState, opened: Opened) -> tuple[int, str]:
    """Run the connection until it ends; the close code and reason to end it with."""
    close = (1000, "")
    async with state.fanout.subscribe(opened.conversation.id) as subscription:
        # `ready` only once subscribed: a client may act on it, and must see every event that follows.
        await socket.send_json(opened.ready)
        reader = asyncio.create_task(connection.read())
        forwarder = asyncio.create_task(connection.forward(subscription))
        watchers = [
            asyncio.create_task(connection.watch_credentials()),
            asyncio.create_task(connection.leave_on_restart()),
        ]
        tasks = [reader, forwarder, *watchers]
        try:
            done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            failure = next((t.exception() for t in done if t.exception() is not None), None)
            if isinstance(failure, Closed):
                close = (failure.code, failure.reason)
            elif failure is not None and not isinstance(failure, WebSocketDisconnect):
                raise failure
        finally:
            await connection.listening.close()
            await connection.interrupt()
            for task in (reader, *watchers):
                task.cancel()
            await _flush(forwarder, subscription)
            await asyncio.gather(*tasks, return_exceptions=True)
    return close


async def _flush(forwarder: asyncio.Task[None], subscription: Subscription) -> None:
    """Give the forwarder a moment to send pending events (e.g. what the last frame caused), then stop it."""
    for _ in range(50):
        if forwarder.done() or subscription.empty():
            break
        await asyncio.sleep(0.01)
    forwarder.cancel()
