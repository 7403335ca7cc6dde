"""ElevenLabs text-to-speech with timestamps
(https://elevenlabs.io/docs/api-reference/text-to-speech/convert-with-timestamps)."""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from testkit.fakes.vendors.harness import KEYS, STATE, answering, json_call, tone


async def with_timestamps(request: Request) -> Response:
    _, body = await json_call(request, {"elevenlabs": KEYS["elevenlabs"]}, ("text",))
    text = body["text"]
    step = 0.06
    audio = tone(22050, round(len(text) * step * 1000))
    alignment = {
        "characters": list(text),
        "character_start_times_seconds": [round(i * step, 3) for i in range(len(text))],
        "character_end_times_seconds": [round((i + 1) * step, 3) for i in range(len(text))],
    }
    if STATE.mode == "garbage":
        return Response(b"{not json", media_type="application/json")
    return JSONResponse({"audio_base64": base64.b64encode(audio).decode(), "alignment": alignment})


ROUTES = [Route("/v1/text-to-speech/{voice}/with-timestamps", answering(with_timestamps), methods=["POST"])]
