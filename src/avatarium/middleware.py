"""Pure ASGI middleware: request ids, body limits, content types, rate-limit headers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from avatarium.config import MAX_BODY_BYTES
from avatarium.envelope import failure, new_request_id
from avatarium.errors import status_code_name

_BODY_METHODS = {b"POST", b"PUT", b"PATCH"}


class BodyTooLarge(Exception):
    """Raised from `receive` when a streamed body passes the limit."""


@dataclass(frozen=True)
class BodyRule:
    """What one route accepts instead of the default (JSON, at most 1 MiB): checked before the body is read.

    `media_types` are media types such as `multipart/form-data`, or a family such as `audio/*`.
    """

    method: str
    path: str  # the exact path, e.g. "/v1/stt"
    max_bytes: int
    media_types: tuple[str, ...]

    def accepts(self, media: str) -> bool:
        return any(media == m or (m.endswith("/*") and media.startswith(m[:-1])) for m in self.media_types)

    def describe(self) -> str:
        return " or ".join(self.media_types)


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json(media: str) -> bool:
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"


class ApiMiddleware:
    """Gives every response a request id and refuses oversized or non-JSON bodies before reading them."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES, rules: Iterable[BodyRule] = ()) -> None:
        self.app = app
        self.max_body = max_body
        self.rules = {(rule.method, rule.path): rule for rule in rules}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        headers = dict(scope["headers"])
        rule = self.rules.get((scope["method"], scope["path"])) if self.rules else None
        max_body = rule.max_bytes if rule else self.max_body
        refusal = self._refuse(scope, headers, rule, max_body)
        if refusal:
            await _send_error(send, request_id, *refusal)
            return

        too_large = answered = False

        async def send_with_headers(message: Message) -> None:
            nonlocal answered
            if too_large:
                # The app saw a failed body read; answer with the real reason instead.
                if not answered:
                    answered = True
                    await _send_error(send, request_id, 413, f"Request body exceeds {_size(max_body)}")
                return
            if message["type"] == "http.response.start":
                extra = [(b"x-request-id", request_id.encode()), (b"x-content-type-options", b"nosniff")]
                extra += [(k.lower().encode(), v.encode()) for k, v in state.get("ratelimit_headers", {}).items()]
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in present]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    too_large = True
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not answered:
                await _send_error(send, request_id, 413, f"Request body exceeds {_size(max_body)}")

    def _refuse(
        self, scope: Scope, headers: dict[bytes, bytes], rule: BodyRule | None, max_body: int
    ) -> tuple[int, str] | None:
        if scope["method"].encode() not in _BODY_METHODS:
            return None
        length = headers.get(b"content-length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                return 400, "Invalid Content-Length header"
            if size > max_body:
                return 413, f"Request body exceeds {_size(max_body)}"
        has_body = (length is not None and length != b"0") or b"transfer-encoding" in headers
        media = _media(headers.get(b"content-type", b"").decode("latin-1"))
        if rule is not None:
            if has_body and not rule.accepts(media):
                return 415, f"Content-Type must be {rule.describe()}"
        elif has_body and media and not _is_json(media):
            return 415, "Content-Type must be application/json"
        return None


async def _send_error(send: Send, request_id: str, status: int, message: str) -> None:
    body = json.dumps(failure(status_code_name(status), message, request_id)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
