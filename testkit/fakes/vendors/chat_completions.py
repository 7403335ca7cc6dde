"""The OpenAI protocol family as vendors serve it: chat completions (streamed), speech, transcriptions,
and the model list, under each vendor's base path.

- Chat streaming: https://platform.openai.com/docs/api-reference/chat-streaming
- Speech: https://platform.openai.com/docs/api-reference/audio/createSpeech
- Transcription: https://platform.openai.com/docs/api-reference/audio/createTranscription
- Models: https://platform.openai.com/docs/api-reference/models/list
- xAI (OpenAI-compatible): https://docs.x.ai/docs/api-reference
- Groq (OpenAI-compatible under /openai/v1): https://console.groq.com/docs/api-reference
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from testkit.fakes.vendors.harness import (
    KEYS,
    STATE,
    TRANSCRIPT,
    WORDS,
    Reply,
    answering,
    data,
    json_call,
    misbehave,
    sse,
    tone,
    vendor_of,
    wav,
    wav_duration,
)

HOSTED: dict[str, str | None] = {v: KEYS[v] for v in ("openai", "xai", "groq")}


def chat_chunks(model: str) -> list[str]:
    def chunk(delta: dict[str, str], finish: str | None) -> dict[str, Any]:
        return {"object": "chat.completion.chunk", "model": model, "choices": [
            {"index": 0, "delta": delta, "finish_reason": finish}
        ]}  # fmt: skip

    chunks = [data(chunk({"content": w}, None)) for w in WORDS]
    chunks.append(data(chunk({}, "stop")))
    chunks.append(data({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": len(WORDS)}}))
    chunks.append("data: [DONE]\n\n")
    return chunks


def chat(keys: Mapping[str, str | None], models: tuple[str, ...] | None = None) -> Route:
    async def handler(request: Request) -> Response:
        _, body = await json_call(request, keys, ("model", "messages", "stream"))
        if models is not None and body["model"] not in models:
            return JSONResponse({"error": {"message": f"model {body['model']} not found"}}, 404)
        return sse(chat_chunks(body["model"]))

    return Route("/chat/completions", answering(handler), methods=["POST"])


def speech(keys: Mapping[str, str | None]) -> Route:
    async def handler(request: Request) -> Response:
        _, body = await json_call(request, keys, ("model", "input", "voice"))
        rate = 24000 if body.get("response_format") == "pcm" else 48000
        audio = tone(rate, 60 * len(body["input"]))
        if STATE.mode == "truncate":
            audio = audio[:-1]
        if body.get("response_format") == "pcm":
            return Response(audio, media_type="audio/pcm")
        return Response(wav(audio, rate), media_type="audio/wav")

    return Route("/audio/speech", answering(handler), methods=["POST"])


def transcriptions(keys: Mapping[str, str | None]) -> Route:
    async def handler(request: Request) -> Response:
        vendor = vendor_of(request, keys)
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or "model" not in form:
            raise Reply(JSONResponse({"error": "file and model are required"}, 400))
        duration = wav_duration(await upload.read())
        STATE.bodies.append((vendor, {k: v for k, v in form.items() if isinstance(v, str)}))
        await misbehave(vendor)
        if STATE.mode == "garbage":
            return Response(b"{not json", media_type="application/json")
        text = " ".join(word for word, _, _ in TRANSCRIPT)
        if form.get("response_format") != "verbose_json":
            return JSONResponse({"text": text, "usage": {"type": "duration", "seconds": round(duration)}})
        answer: dict[str, Any] = {"task": "transcribe", "language": "English", "duration": duration, "text": text}
        if form.get("timestamp_granularities[]") == "word":
            answer["words"] = [{"word": w, "start": s, "end": e} for w, s, e in TRANSCRIPT]
        return JSONResponse(answer)

    return Route("/audio/transcriptions", answering(handler), methods=["POST"])


def routes(keys: Mapping[str, str | None] = HOSTED) -> list[Route]:
    """Chat, speech and transcription, relative to a base path (`/v1`, `/openai/v1`)."""
    return [chat(keys), speech(keys), transcriptions(keys)]
