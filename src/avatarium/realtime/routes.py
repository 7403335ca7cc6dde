"""GET /v1/conversations/:id/ws — the realtime socket (contract section 5)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.websockets import WebSocketState

from avatarium.auth.principal import Principal, bearer_token
from avatarium.conversations import service
from avatarium.conversations.schemas import conversation_out, message_out
from avatarium.db.models import Conversation
from avatarium.deps import ApiCaller, count_request
from avatarium.errors import ApiError, validation_error
from avatarium.realtime.protocol import ClientMessage, parse_frame
from avatarium.realtime.turn import Turn
from avatarium.state import AppState

router = APIRouter(tags=["conversations"])
log = logging.getLogger("avatarium.realtime")

CLOSE_AUTH, CLOSE_NOT_FOUND, CLOSE_ENDED, CLOSE_RATE_LIMITED = 4401, 4404, 4409, 4429


async def _authenticate(socket: WebSocket, state: AppState) -> Principal | None:
    token = bearer_token(socket.headers.get("authorization"))
    query_token = socket.query_params.get("token")
    if token:
        return await state.auth.resolve(token)
    if query_token:
        return await state.auth.resolve_client_token(query_token)
    return None


async def _rate_limited(state: AppState, caller: Principal) -> bool:
    """Each handshake and each client `message` counts as one request of the account."""
    return not (await count_request(state, caller, "")).allowed


async def _open(
    socket: WebSocket, state: AppState, conversation_id: str
) -> tuple[Principal, Conversation, dict[str, Any]] | None:
    """Authenticate and find the conversation, closing with the contract's code on failure.

    Returns the caller, the conversation and the `ready` event to send once subscribed.
    """
    caller = await _authenticate(socket, state)
    if caller is None:
        await socket.close(CLOSE_AUTH, "unauthorized")
        return None
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
    return caller, conversation, ready


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"code": code, "message": message}}


class Connection:
    """One socket: reads client frames, runs at most one turn at a time, forwards fanned-out events."""

    def __init__(self, socket: WebSocket, state: AppState, caller: Principal, conversation: Conversation) -> None:
        self.socket = socket
        self.state = state
        self.caller = caller
        self.conversation = conversation
        self.turn: asyncio.Task[None] | None = None

    async def send(self, event: dict[str, Any]) -> None:
        if self.socket.application_state == WebSocketState.CONNECTED:
            await self.socket.send_json(event)

    async def forward(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            event = await queue.get()
            await self.send(event)
            if event.get("type") == "ended":
                await self.socket.close(1000, "conversation ended")
                return

    async def interrupt(self) -> None:
        if self.turn is not None and not self.turn.done():
            self.turn.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.turn
        self.turn = None

    async def handle(self, frame: ClientMessage) -> bool:
        """Act on one client frame; False when the socket should close."""
        if frame.type == "ping":
            await self.send({"type": "pong"})
        elif frame.type == "interrupt":
            await self.interrupt()
        elif frame.type == "end":
            await self.interrupt()
            async with self.state.sessions.begin() as session:
                ended = await service.end(session, self.caller, str(self.conversation.id))
            await self.state.fanout.publish(
                self.conversation.id, {"type": "ended", "conversation": conversation_out(ended)}
            )
            return False
        elif frame.type == "message":
            if await _rate_limited(self.state, self.caller):
                await self.send(_error("TOO_MANY_REQUESTS", "Rate limit exceeded; this message was not processed"))
                return True
            await self.interrupt()
            turn = Turn(self.state, self.caller, self.conversation, frame.content.strip(), frame.audio)
            self.turn = asyncio.create_task(turn.run())
        return True

    async def read(self) -> None:
        while True:
            message = await self.socket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                await self.send(
                    _error("UNSUPPORTED_MEDIA_TYPE", "Binary frames are not supported; send JSON text frames")
                )
                continue
            try:
                frame = parse_frame(message.get("text") or "")
            except ApiError as exc:
                await self.send(_error(exc.code, exc.message))
                continue
            except ValidationError as exc:
                error = validation_error(exc.errors())
                await self.send(_error(error.code, error.message))
                continue
            if not await self.handle(frame):
                return


@router.get("/conversations/{conversation_id}/ws", summary="Upgrade to WebSocket (see the realtime protocol)")
async def conversation_socket_over_http(_caller: ApiCaller, conversation_id: str) -> None:
    """A plain HTTP request to the socket's URL: say how to connect instead of a bare 404."""
    raise ApiError(
        426, "Connect with a WebSocket upgrade (ws:// or wss://) to use this endpoint", headers={"Upgrade": "websocket"}
    )


@router.websocket("/conversations/{conversation_id}/ws")
async def conversation_socket(socket: WebSocket, conversation_id: str) -> None:
    state: AppState = socket.app.state.avatarium
    await socket.accept()
    opened = await _open(socket, state, conversation_id)
    if opened is None:
        return
    caller, conversation, ready = opened
    connection = Connection(socket, state, caller, conversation)
    async with state.fanout.subscribe(conversation.id) as queue:
        # `ready` only once subscribed: a client may act on it, and must see every event that follows.
        await socket.send_json(ready)
        forwarder = asyncio.create_task(connection.forward(queue))
        try:
            await connection.read()
            await asyncio.sleep(0)  # let the forwarder deliver what the last frame caused (e.g. `ended`)
        except WebSocketDisconnect:
            pass
        finally:
            await connection.interrupt()
            await _drain(forwarder, queue)
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the client may have gone already
        await socket.close(1000)


async def _drain(forwarder: asyncio.Task[None], queue: asyncio.Queue[dict[str, Any]]) -> None:
    """Give the forwarder a moment to send pending events, then stop it."""
    for _ in range(50):
        if forwarder.done() or queue.empty():
            break
        await asyncio.sleep(0.01)
    forwarder.cancel()
    with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
        await forwarder
