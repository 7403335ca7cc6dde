"""One local HTTP server that speaks each vendor's API, as documented, and misbehaves on request.

Formats follow the vendors' references:
- OpenAI chat streaming: https://platform.openai.com/docs/api-reference/chat-streaming
- Anthropic messages streaming: https://docs.anthropic.com/en/api/messages-streaming
- Gemini streamGenerateContent (alt=sse): https://ai.google.dev/api/generate-content
- xAI (OpenAI-compatible): https://docs.x.ai/docs/api-reference
- Groq (OpenAI-compatible under /openai/v1): https://console.groq.com/docs/api-reference
- OpenAI speech: https://platform.openai.com/docs/api-reference/audio/createSpeech
- ElevenLabs with timestamps: https://elevenlabs.io/docs/api-reference/text-to-speech/convert-with-timestamps
- Deepgram speak: https://developers.deepgram.com/reference/text-to-speech-api/speak
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import math
import struct
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

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


@dataclass
class Behaviour:
    """What the fake does next. `mode`: ok, slow, rate_limit_once, rate_limit, error, truncate, garbage."""

    mode: str = "ok"
    delay: float = 5.0
    calls: dict[str, int] = field(default_factory=dict)
    bodies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def reset(self) -> None:
        self.mode, self.calls, self.bodies = "ok", {}, []


STATE = Behaviour()


def _tone(rate: int, ms: int) -> bytes:
    samples = rate * ms // 1000
    return b"".join(struct.pack("<h", int(8000 * math.sin(i / 20))) for i in range(samples))


def _vendor_of(request: Request, candidates: tuple[str, ...]) -> str | None:
    headers = request.headers
    presented = {
        headers.get("authorization", "").removeprefix("Bearer ").removeprefix("Token "),
        headers.get("x-api-key", ""),
        headers.get("x-goog-api-key", ""),
        headers.get("xi-api-key", ""),
    }
    return next((v for v in candidates if KEYS[v] in presented), None)


async def _misbehave(vendor: str) -> Response | None:
    STATE.calls[vendor] = STATE.calls.get(vendor, 0) + 1
    if STATE.mode == "slow":
        await asyncio.sleep(STATE.delay)
    if STATE.mode == "rate_limit" or (STATE.mode == "rate_limit_once" and STATE.calls[vendor] == 1):
        return JSONResponse({"error": {"message": "slow down", "detail": SECRET_IN_ERRORS}}, 429, {"Retry-After": "1"})
    if STATE.mode == "error":
        return JSONResponse({"error": {"message": f"internal failure {SECRET_IN_ERRORS}"}}, 500)
    return None


async def _guard(request: Request, candidates: tuple[str, ...], required: tuple[str, ...]) -> tuple[str, Any]:
    vendor = _vendor_of(request, candidates)
    if vendor is None:
        raise _Reply(JSONResponse({"error": "invalid api key"}, 401))
    body = await request.json()
    missing = [f for f in required if f not in body]
    if missing:
        raise _Reply(JSONResponse({"error": f"missing {missing}"}, 400))
    STATE.bodies.append((vendor, body))
    early = await _misbehave(vendor)
    if early is not None:
        raise _Reply(early)
    return vendor, body


class _Reply(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _sse(chunks: list[str]) -> StreamingResponse:
    async def stream() -> AsyncIterator[bytes]:
        for chunk in chunks:
            if STATE.mode == "truncate" and chunk is chunks[len(chunks) // 2]:
                return
            yield chunk.encode()
            await asyncio.sleep(0.001)

    return StreamingResponse(stream(), media_type="text/event-stream")


def _data(obj: Any) -> str:
    return "data: {not json\n\n" if STATE.mode == "garbage" else f"data: {json.dumps(obj)}\n\n"


async def openai_chat(request: Request) -> Response:
    try:
        await _guard(request, ("openai", "xai", "groq"), ("model", "messages", "stream"))
    except _Reply as reply:
        return reply.response
    chunks = [_data({"choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]}) for w in WORDS]
    chunks.append(_data({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    chunks.append(_data({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": len(WORDS)}}))
    chunks.append("data: [DONE]\n\n")
    return _sse(chunks)


async def anthropic_messages(request: Request) -> Response:
    if request.headers.get("anthropic-version") != "2023-06-01":
        return JSONResponse({"error": "anthropic-version required"}, 400)
    try:
        _, body = await _guard(request, ("anthropic",), ("model", "max_tokens", "messages"))
    except _Reply as reply:
        return reply.response
    if any(m["role"] == "system" for m in body["messages"]):
        return JSONResponse({"type": "error", "error": {"type": "invalid_request_error"}}, 400)

    def event(name: str, obj: dict[str, Any]) -> str:
        return f"event: {name}\n" + _data({"type": name, **obj})

    chunks = [event("message_start", {"message": {"usage": {"input_tokens": 12, "output_tokens": 1}}})]
    chunks += [event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": w}}) for w in WORDS]
    chunks.append(
        event("message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": len(WORDS)}})
    )
    chunks.append(event("message_stop", {}))
    return _sse(chunks)


async def gemini_stream(request: Request) -> Response:
    if request.query_params.get("alt") != "sse":
        return JSONResponse({"error": "alt=sse expected"}, 400)
    try:
        _, body = await _guard(request, ("google",), ("contents",))
    except _Reply as reply:
        return reply.response
    if any(c["role"] not in ("user", "model") for c in body["contents"]):
        return JSONResponse({"error": "bad role"}, 400)
    chunks = [_data({"candidates": [{"content": {"parts": [{"text": w}], "role": "model"}}]}) for w in WORDS]
    last = {"candidates": [{"content": {"parts": [], "role": "model"}, "finishReason": "STOP"}]}
    chunks.append(_data({**last, "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": len(WORDS)}}))
    return _sse(chunks)


async def openai_speech(request: Request) -> Response:
    try:
        vendor, body = await _guard(request, ("openai", "groq"), ("model", "input", "voice"))
    except _Reply as reply:
        return reply.response
    if vendor == "groq":
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(48000)
            out.writeframes(_tone(48000, 60 * len(body["input"])))
        return Response(buffer.getvalue(), media_type="audio/wav")
    audio = _tone(24000, 60 * len(body["input"]))
    return Response(audio[:-1] if STATE.mode == "truncate" else audio, media_type="audio/pcm")


async def elevenlabs_speech(request: Request) -> Response:
    try:
        _, body = await _guard(request, ("elevenlabs",), ("text",))
    except _Reply as reply:
        return reply.response
    text = body["text"]
    step = 0.06
    audio = _tone(22050, round(len(text) * step * 1000))
    alignment = {
        "characters": list(text),
        "character_start_times_seconds": [round(i * step, 3) for i in range(len(text))],
        "character_end_times_seconds": [round((i + 1) * step, 3) for i in range(len(text))],
    }
    if STATE.mode == "garbage":
        return Response(b"{not json", media_type="application/json")
    return JSONResponse({"audio_base64": base64.b64encode(audio).decode(), "alignment": alignment})


async def deepgram_speak(request: Request) -> Response:
    try:
        _, body = await _guard(request, ("deepgram",), ("text",))
    except _Reply as reply:
        return reply.response
    if request.query_params.get("encoding") != "linear16":
        return JSONResponse({"err": "encoding"}, 400)
    return Response(_tone(24000, 60 * len(body["text"])), media_type="audio/l16")


app = Starlette(
    routes=[
        Route("/v1/chat/completions", openai_chat, methods=["POST"]),
        Route("/openai/v1/chat/completions", openai_chat, methods=["POST"]),
        Route("/v1/messages", anthropic_messages, methods=["POST"]),
        Route("/v1beta/models/{model}:streamGenerateContent", gemini_stream, methods=["POST"]),
        Route("/v1/audio/speech", openai_speech, methods=["POST"]),
        Route("/openai/v1/audio/speech", openai_speech, methods=["POST"]),
        Route("/v1/text-to-speech/{voice}/with-timestamps", elevenlabs_speech, methods=["POST"]),
        Route("/v1/speak", deepgram_speak, methods=["POST"]),
    ]
)
