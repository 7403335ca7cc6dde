"""Anthropic Messages, streamed (https://docs.anthropic.com/en/api/messages-streaming)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from testkit.fakes.vendors.harness import KEYS, WORDS, answering, data, json_call, sse


async def messages(request: Request) -> Response:
    if request.headers.get("anthropic-version") != "2023-06-01":
        return JSONResponse({"error": "anthropic-version required"}, 400)
    _, body = await json_call(request, {"anthropic": KEYS["anthropic"]}, ("model", "max_tokens", "messages"))
    if any(m["role"] == "system" for m in body["messages"]):
        return JSONResponse({"type": "error", "error": {"type": "invalid_request_error"}}, 400)

    def event(name: str, obj: dict[str, Any]) -> str:
        return f"event: {name}\n" + data({"type": name, **obj})

    chunks = [event("message_start", {"message": {"usage": {"input_tokens": 12, "output_tokens": 1}}})]
    chunks += [event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": w}}) for w in WORDS]
    chunks.append(
        event("message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": len(WORDS)}})
    )
    chunks.append(event("message_stop", {}))
    return sse(chunks)


ROUTES = [Route("/v1/messages", answering(messages), methods=["POST"])]
