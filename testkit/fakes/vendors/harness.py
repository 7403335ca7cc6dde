"""What every wire-level vendor fake shares: key checks, scripted misbehaviour, SSE and audio helpers.

A fake is a Starlette app speaking one vendor protocol as its reference documents it. Tests point a
provider at it with `AVATARIUM_<PROVIDER>_BASE_URL`, set `STATE.mode` to make it misbehave, and read
`STATE.calls` / `STATE.bodies` to see what reached it. Plugin authors build their own fakes on this.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import struct
import wave
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

KEYS = {
    "openai": "sk-openai-test-key",
    "anthropic": "sk-ant-test-key",
    "google": "gemini-test-key",
    "xai": "xai-test-key",
    "groq": "gsk-groq-test-key",
    "elevenlabs": "eleven-test-key",
    "deepgram": "deepgram-test-key",
}
SECRET_IN_ERRORS = "vendor-internal-secret-7f3a"
WORDS = ["Hello", " from", " the", " cloud.", " This", " is", " a", " fake", " reply."]
TRANSCRIPT = [("Hello", 0.1, 0.4), ("there,", 0.45, 0.8), ("friend.", 0.85, 1.3)]


@dataclass
class Behaviour:
    """What the fakes do next. `mode`: ok, slow, rate_limit_once, rate_limit, error, truncate, garbage,
    stall (stop halfway through a stream and wait)."""

    mode: str = "ok"
    delay: float = 5.0
    calls: dict[str, int] = field(default_factory=dict)
    bodies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def reset(self) -> None:
        self.mode, self.delay, self.calls, self.bodies = "ok", 5.0, {}, []


STATE = Behaviour()


class Reply(Exception):
    """Raised by a check to answer at once with `response`."""

    def __init__(self, response: Response) -> None:
        self.response = response


def answering(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Turns a `Reply` raised by the checks into the response it carries."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except Reply as reply:
            return reply.response

    return endpoint


def presented_key(request: Request) -> str:
    headers = request.headers
    for value in (
        headers.get("authorization", "").removeprefix("Bearer ").removeprefix("Token "),
        headers.get("x-api-key", ""),
        headers.get("x-goog-api-key", ""),
        headers.get("xi-api-key", ""),
    ):
        if value:
            return value
    return ""


def vendor_of(request: Request, keys: Mapping[str, str | None]) -> str:
    """Which vendor's key was presented (each fake knows the keys of the vendors that speak its protocol);
    a vendor whose key is None takes any key or none, as self-hosted servers often do."""
    presented = presented_key(request)
    vendor = next((v for v, key in keys.items() if key is None or key == presented), None)
    if vendor is None:
        raise Reply(JSONResponse({"error": "invalid api key"}, 401))
    return vendor


async def misbehave(vendor: str) -> None:
    """Count the call, then fail it as `STATE.mode` says (before any output)."""
    STATE.calls[vendor] = STATE.calls.get(vendor, 0) + 1
    if STATE.mode == "slow":
        await asyncio.sleep(STATE.delay)
    if STATE.mode == "rate_limit" or (STATE.mode == "rate_limit_once" and STATE.calls[vendor] == 1):
        body = {"error": {"message": "slow down", "detail": SECRET_IN_ERRORS}}
        raise Reply(JSONResponse(body, 429, {"Retry-After": "1"}))
    if STATE.mode == "error":
        raise Reply(JSONResponse({"error": {"message": f"internal failure {SECRET_IN_ERRORS}"}}, 500))


async def json_call(request: Request, keys: Mapping[str, str], required: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """Check the key and the JSON body's required fields, record the call, misbehave if told to."""
    vendor = vendor_of(request, keys)
    body = await request.json()
    missing = [f for f in required if f not in body]
    if missing:
        raise Reply(JSONResponse({"error": f"missing {missing}"}, 400))
    STATE.bodies.append((vendor, body))
    await misbehave(vendor)
    return vendor, body


def sse(chunks: list[str]) -> StreamingResponse:
    """Server-sent events, broken off halfway in `truncate` mode and held halfway in `stall` mode."""

    async def stream() -> AsyncIterator[bytes]:
        for i, chunk in enumerate(chunks):
            if i == len(chunks) // 2 and STATE.mode == "truncate":
                return
            if i == len(chunks) // 2 and STATE.mode == "stall":
                await asyncio.sleep(STATE.delay)
            yield chunk.encode()
            await asyncio.sleep(0.001)

    return StreamingResponse(stream(), media_type="text/event-stream")


def data(obj: Any) -> str:
    """One `data:` event, or garbage in `garbage` mode."""
    return "data: {not json\n\n" if STATE.mode == "garbage" else f"data: {json.dumps(obj)}\n\n"


def tone(rate: int, ms: int) -> bytes:
    samples = rate * ms // 1000
    return b"".join(struct.pack("<h", int(8000 * math.sin(i / 20))) for i in range(samples))


def wav(pcm: bytes, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def wav_duration(data: bytes) -> float:
    """Seconds of audio in an uploaded WAV file (400 if it is not one)."""
    try:
        with wave.open(io.BytesIO(data)) as audio:
            return audio.getnframes() / audio.getframerate()
    except (wave.Error, EOFError):
        raise Reply(JSONResponse({"error": "could not decode audio"}, 400)) from None
