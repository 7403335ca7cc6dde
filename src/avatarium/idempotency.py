"""Idempotency-Key on POST (contract section 6).

Same key + same account + same request within 24 hours → the stored response is
replayed with `Idempotent-Replayed: true`; same key with another body → 400; same
key while the first request is still running → 409. The claim is taken after
authentication (the key belongs to an account); the response is recorded by the
middleware below once it has been sent. Server errors release the claim, so that
the client may retry.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from avatarium.clock import utcnow
from avatarium.db.models import IdempotencyRecord
from avatarium.envelope import request_id_of
from avatarium.errors import ApiError, bad_request
from avatarium.state import AppState

HEADER = "idempotency-key"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


# Headers that belong to one delivery of a response, not to the response itself.
_NOT_RECORDED = frozenset({"content-length", "date", "server", "x-request-id", "idempotent-replayed"})


class Replay(Exception):
    """Raised by the claim when a stored response must be sent instead of running the handler."""

    def __init__(self, status: int, headers: list[list[str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def _match(account_id: uuid.UUID, key: str) -> tuple[Any, Any]:
    return IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key


async def _fingerprint(request: Request) -> str:
    body = await request.body()
    return hashlib.sha256(b"%s %s\n%s" % (request.method.encode(), request.url.path.encode(), body)).hexdigest()


async def claim(request: Request, state: AppState, account_id: uuid.UUID) -> None:
    """Take the key for this request, or raise Replay / 400 / 409."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return
    if not key or len(key) > MAX_KEY_LENGTH:
        raise bad_request(f"Idempotency-Key must have 1 to {MAX_KEY_LENGTH} characters", "Idempotency-Key")
    fingerprint = await _fingerprint(request)
    async with state.sessions.begin() as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.account_id == account_id,
                IdempotencyRecord.key == key,
                IdempotencyRecord.created_at < utcnow() - TTL,
            )
        )
    try:
        async with state.sessions.begin() as session:
            session.add(
                IdempotencyRecord(account_id=account_id, key=key, request_hash=fingerprint, created_at=utcnow())
            )
    except IntegrityError:
        async with state.sessions() as session:
            record = await session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key
                )
            )
        if record is None:  # released between our insert and this read: the client may simply retry
            raise ApiError(409, "A request with this Idempotency-Key is in progress") from None
        if record.request_hash != fingerprint:
            raise bad_request("This Idempotency-Key was used with a different request", "Idempotency-Key") from None
        if record.status_code is None:
            raise ApiError(409, "A request with this Idempotency-Key is in progress") from None
        raise Replay(record.status_code, record.response_headers or [], record.response_bytes or b"") from None
    request.scope.setdefault("state", {})["idempotency"] = (account_id, key)


async def _finish(
    state: AppState, claimed: tuple[uuid.UUID, str], status: int, headers: list[list[str]], body: bytes
) -> None:
    where = _match(*claimed)
    async with state.sessions.begin() as session:
        if status >= 500 or status in (409, 429):
            await session.execute(delete(IdempotencyRecord).where(*where))
        else:
            values = {"status_code": status, "response_headers": headers, "response_bytes": body}
            await session.execute(update(IdempotencyRecord).where(*where).values(**values))


class IdempotencyMiddleware:
    """Records the response of a claimed request, and sends stored responses on replay."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        status = 500
        streamed = False
        headers: list[list[str]] = []
        chunks: list[bytes] = []

        def claimed() -> tuple[uuid.UUID, str] | None:
            claim: tuple[uuid.UUID, str] | None = scope.get("state", {}).get("idempotency")
            return claim

        async def capture(message: Message) -> None:
            nonlocal status, streamed
            if message["type"] == "http.response.start":
                status = message["status"]
                streamed = any(k == b"content-type" and b"event-stream" in v for k, v in message.get("headers", []))
                headers[:] = [
                    [k.decode("latin-1"), v.decode("latin-1")]
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() not in _NOT_RECORDED
                ]
            elif message["type"] == "http.response.body" and claimed() is not None and not streamed:
                chunks.append(message.get("body", b""))  # only what will be recorded is kept
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            claim = claimed()
            if claim is not None:
                state: AppState = scope["app"].state.avatarium
                # A stream cannot be replayed faithfully: release the key instead of recording it.
                await _finish(state, claim, 500 if streamed else status, headers, b"".join(chunks))


async def _replay_response(request: Request, exc: Exception) -> Response:
    """The stored response, byte for byte; an envelope gets this request's id, so that it agrees with X-Request-Id."""
    assert isinstance(exc, Replay)
    request_id = request_id_of(request.scope.setdefault("state", {}))
    headers = {name: value for name, value in exc.headers}
    body = exc.body
    if headers.get("content-type", "").startswith("application/json"):
        envelope: dict[str, Any] = json.loads(body)
        envelope.setdefault("meta", {})["requestId"] = request_id
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
    headers |= {"Idempotent-Replayed": "true", "X-Request-Id": request_id}
    return Response(body, status_code=exc.status, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Replay, _replay_response)
    app.add_middleware(IdempotencyMiddleware)
