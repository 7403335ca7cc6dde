"""Deepgram: Aura speech (https://developers.deepgram.com/reference/text-to-speech-api/speak) and
pre-recorded transcription (https://developers.deepgram.com/reference/speech-to-text-api/listen)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from testkit.fakes.vendors.harness import (
    KEYS,
    STATE,
    TRANSCRIPT,
    Reply,
    answering,
    json_call,
    misbehave,
    tone,
    vendor_of,
    wav_duration,
)

DEEPGRAM = {"deepgram": KEYS["deepgram"]}


async def speak(request: Request) -> Response:
    _, body = await json_call(request, DEEPGRAM, ("text",))
    if request.query_params.get("encoding") != "linear16":
        return JSONResponse({"err": "encoding"}, 400)
    return Response(tone(24000, 60 * len(body["text"])), media_type="audio/l16")


async def listen(request: Request) -> Response:
    vendor = vendor_of(request, DEEPGRAM)
    if "model" not in request.query_params or not request.headers.get("content-type", "").startswith("audio/"):
        raise Reply(JSONResponse({"err_code": "Bad Request", "err_msg": "model and audio required"}, 400))
    duration = wav_duration(await request.body())
    STATE.bodies.append((vendor, dict(request.query_params)))
    await misbehave(vendor)
    if STATE.mode == "garbage":
        return JSONResponse({"results": {}})
    words = [
        {"word": w.strip(",.").lower(), "start": s, "end": e, "confidence": 0.98, "punctuated_word": w}
        for w, s, e in TRANSCRIPT
    ]
    channel: dict[str, object] = {
        "alternatives": [{"transcript": " ".join(w for w, _, _ in TRANSCRIPT), "confidence": 0.98, "words": words}]
    }
    if request.query_params.get("detect_language") == "true":
        channel["detected_language"] = "en"
    return JSONResponse({"metadata": {"duration": duration, "channels": 1}, "results": {"channels": [channel]}})


ROUTES = [
    Route("/v1/speak", answering(speak), methods=["POST"]),
    Route("/v1/listen", answering(listen), methods=["POST"]),
]
