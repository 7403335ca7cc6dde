"""The imaginary Parrot API of the example plugin (examples/avatarium-parrot/README.md), faked at the wire:
the model for a plugin author's own fake, built on the shared harness."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from testkit.fakes.vendors.harness import STATE, WORDS, answering, json_call, tone, wav

KEY = "parrot-test-key"
PARROT = {"parrot": KEY}


async def chat(request: Request) -> Response:
    await json_call(request, PARROT, ("model", "messages"))
    lines = [{"type": "text", "text": word} for word in WORDS]
    lines.append({"type": "done", "stop": "end", "usage": {"input": 7, "output": len(WORDS)}})
    if STATE.mode == "truncate":
        lines[len(lines) // 2] = {"type": "error", "code": "overloaded"}

    async def body() -> AsyncIterator[bytes]:
        for line in lines:
            yield b"{not json\n" if STATE.mode == "garbage" else json.dumps(line).encode() + b"\n"

    return StreamingResponse(body(), media_type="application/x-ndjson")


async def speak(request: Request) -> Response:
    _, body = await json_call(request, PARROT, ("voice", "text"))
    return Response(wav(tone(16000, 60 * len(body["text"])), 16000), media_type="audio/wav")


app = Starlette(
    routes=[
        Route("/v1/chat", answering(chat), methods=["POST"]),
        Route("/v1/speak", answering(speak), methods=["POST"]),
    ]
)
