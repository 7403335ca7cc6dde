from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from avatarium import sse
from avatarium.ai import service as chat
from avatarium.auth.principal import Principal
from avatarium.conversations import repository, service
from avatarium.conversations.schemas import (
    ClientTokenOut,
    ConversationCreatedOut,
    ConversationOut,
    ConversationWithMessagesOut,
    CreateIn,
    MessageIn,
    TurnOut,
    conversation_out,
    message_out,
)
from avatarium.db.models import Conversation, Message
from avatarium.deps import ApiCaller, SessionDep, StateDep, api_caller, api_caller_reading, state_of
from avatarium.envelope import enveloped, iso, public_base
from avatarium.errors import ApiError, bad_request, provider_error
from avatarium.openapi import PROVIDER_ERRORS, errors, event_stream
from avatarium.pagination import DEFAULT_LIMIT, MAX_LIMIT, Cursor
from avatarium.providers.base import ProviderError
from avatarium.responses import NO_STORE, ok, ok_serialized
from avatarium.routing import lean_get, parameters
from avatarium.state import AppState
from avatarium.tts import service as tts

router = APIRouter(prefix="/conversations", tags=["conversations"])


def _ws_url(request: Request, state: AppState, conversation: Conversation) -> str:
    base = public_base(state.settings.public_url, request.scope)
    return (
        base.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + f"/v1/conversations/{conversation.id}/ws"
    )


_STREAMED_TURN = event_stream(
    "With `stream: true`, server-sent events: `delta` `{text}` as the reply is generated, then `done` with"
    " `{message, reply}` as above once both are stored. A failure after the stream has started arrives as"
    " `event: error` with `{error: {code, message}}`."
)


@router.post(
    "",
    status_code=201,
    summary="Create conversation session",
    description="The conversation, its first messages (the persona's greeting), the URL of its realtime socket"
    " (`GET /v1/conversations/{conversation_id}/ws`) and a `clientToken` that opens that socket.",
    response_model=enveloped(ConversationCreatedOut),
)
async def create(
    request: Request, state: StateDep, session: SessionDep, caller: ApiCaller, body: CreateIn
) -> JSONResponse:
    conversation, messages = await service.create(session, state.catalog, state.providers, caller, body)
    data = {
        **conversation_out(conversation),
        "messages": [message_out(m) for m in messages],
        **_socket_access(request, state, caller, conversation),
    }
    return ok(request, data, status=201, headers=NO_STORE)  # it carries the clientToken


def _socket_access(request: Request, state: AppState, caller: Principal, conversation: Conversation) -> dict[str, str]:
    """Where the conversation's socket is, and a client token that opens it (for a browser: no API key)."""
    token = state.signer.issue_client(
        str(caller.user_id), str(conversation.id), state.settings.client_token_ttl_seconds
    )
    return {
        "wsUrl": _ws_url(request, state, conversation),
        "clientToken": token.token,
        "clientTokenExpiresAt": iso(token.expires_at),
    }


@router.post(
    "/{conversation_id}/client-token",
    status_code=201,
    summary="Issue a new client token for the socket",
    response_model=enveloped(ClientTokenOut),
    responses=errors(404, 409),
)
async def client_token(
    request: Request, state: StateDep, session: SessionDep, caller: ApiCaller, conversation_id: str
) -> JSONResponse:
    """A fresh `clientToken` for an active conversation of the caller: the app's backend hands it to
    the page when the one it got at creation has expired (they last `AVATARIUM_CLIENT_TOKEN_TTL_SECONDS`)."""
    conversation = await service.get(session, caller, conversation_id)
    service.require_active(conversation)
    data = {"conversationId": str(conversation.id), **_socket_access(request, state, caller, conversation)}
    return ok(request, data, status=201, headers=NO_STORE)


@router.get(
    "",
    summary="List your conversations, newest first",
    response_model=enveloped(list[ConversationOut]),
    responses=errors(400),
)
async def list_conversations(
    request: Request,
    session: SessionDep,
    caller: ApiCaller,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    rows = await repository.page_for(session, caller.user_id, limit, Cursor.decode(cursor) if cursor else None)
    page, more = rows[:limit], len(rows) > limit
    next_cursor = Cursor(page[-1].created_at, page[-1].id).encode() if more else None
    return ok(request, [conversation_out(c) for c in page], nextCursor=next_cursor)


@lean_get(
    router,
    "/{conversation_id}",
    caller=api_caller,
    summary="Get conversation & messages",
    response_model=enveloped(ConversationWithMessagesOut),
    responses=errors(404),
    openapi_extra=parameters(path={"conversation_id": "The conversation's id"}),
)
async def get(request: Request) -> Response:
    reads, conversation_id = state_of(request).conversation_reads, request.path_params["conversation_id"]
    caller, seen = await api_caller_reading(request, reads.stamp_keys(conversation_id))
    return ok_serialized(request, await reads.get(caller, conversation_id, seen))


@router.post(
    "/{conversation_id}/end",
    summary="End a conversation",
    description="Idempotent: ending it again answers the same `endedAt`. Its sockets get `ended` and close.",
    response_model=enveloped(ConversationOut),
    responses=errors(404),
)
async def end(
    request: Request, state: StateDep, session: SessionDep, caller: ApiCaller, conversation_id: str
) -> JSONResponse:
    conversation = await service.end(session, caller, conversation_id)
    await session.commit()  # before telling the live sockets, so they never see an end that rolls back
    await state.fanout.publish(conversation.id, {"type": "ended", "conversation": conversation_out(conversation)})
    return ok(request, conversation_out(conversation))


async def _reply_audio(state: AppState, caller: Principal, conversation: Conversation, text: str) -> dict[str, Any]:
    provider, voice_id = state.providers.tts_for(conversation.voice_id, caller.local_only)
    speech = await tts.speak_long(provider, voice_id, text)
    return (await tts.render(speech, "wav", voice_id, provider.id)).result()


@router.post(
    "/{conversation_id}/messages",
    status_code=201,
    summary="Send a message",
    description="Stores the message and the assistant's reply, generated from the whole history.",
    response_model=enveloped(TurnOut),
    responses={201: _STREAMED_TURN, **errors(404, 409, *PROVIDER_ERRORS)},
)
async def send_message(
    request: Request, state: StateDep, session: SessionDep, caller: ApiCaller, conversation_id: str, body: MessageIn
) -> Response:
    content = body.content.strip()
    if not content:
        raise bad_request("content must not be blank", "content", "too_short")
    conversation, history = await service.get_with_messages(session, caller, conversation_id)
    service.require_active(conversation)
    user = service.new_user_message(conversation, content)
    stream = await chat.start(
        state.providers,
        conversation.model,
        service.prompt(conversation, history, content),
        local_only=caller.local_only,
    )
    if not body.stream:
        try:
            text, _ = await chat.collect(stream)
        except ProviderError:
            if stream.text():
                # What was generated before the provider broke is kept, marked as cut short.
                await service.store_turn(session, conversation, user, stream.text(), interrupted=True)
                await session.commit()
            raise
        turn = await service.store_turn(session, conversation, user, text)
        await session.commit()  # before the audio: synthesis must not hold the turn's write locks
        return ok(request, await _turn_out(state, caller, conversation, turn, body.audio), status=201)
    return sse.response(_stream_turn(state, caller, conversation, user, stream, body.audio), status=201)


async def _turn_out(
    state: AppState, caller: Principal, conversation: Conversation, turn: service.Turn, audio: bool
) -> dict[str, Any]:
    reply = message_out(turn.reply)
    if audio:
        reply["audio"] = await _reply_audio(state, caller, conversation, turn.reply.content)
    return {"message": message_out(turn.message), "reply": reply}


async def _store_late(
    state: AppState, conversation: Conversation, user: Message, text: str, interrupted: bool = False
) -> service.Turn:
    """A write after the request's session has closed (the stream outlives it): its own unit of work."""
    async with state.sessions.begin() as session:
        return await service.store_turn(session, conversation, user, text, interrupted=interrupted)


async def _stream_turn(
    state: AppState,
    caller: Principal,
    conversation: Conversation,
    user: Message,
    stream: chat.ChatStream,
    audio: bool,
) -> AsyncIterator[bytes]:
    try:
        async with aclosing(stream.texts()) as texts:
            async for text in texts:
                yield sse.event("delta", {"text": text})
    except ProviderError as exc:
        if stream.text():
            await _store_late(state, conversation, user, stream.text(), interrupted=True)
        error = provider_error(exc)
        yield sse.error_event(error.code, error.message)
        return
    try:
        turn = await _store_late(state, conversation, user, stream.text())
    except ApiError as exc:
        yield sse.error_event(exc.code, exc.message)
        return
    yield sse.event("done", await _turn_out(state, caller, conversation, turn, audio))
