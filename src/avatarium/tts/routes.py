from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from avatarium.deps import ApiCaller, StateDep, public_caller
from avatarium.envelope import enveloped
from avatarium.errors import bad_request
from avatarium.openapi import PROVIDER_ERRORS, binary, errors
from avatarium.providers.registry import DEFAULT_VOICE, Providers
from avatarium.responses import ok
from avatarium.state import AppState
from avatarium.tts import audio, service
from avatarium.tts.schemas import PreviewIn, SpeechOut, SynthesizeIn, VendorSynthesizeIn, VoiceOut

router = APIRouter(prefix="/tts", tags=["tts"])

# A synthesis: the TTS result, or the raw audio when `Accept` asks for it.
_SPEECH: dict[str, Any] = {
    "response_model": enveloped(SpeechOut),
    "responses": {
        200: binary(
            "audio/wav",
            "audio/mpeg",
            description="The TTS result, or with `Accept: audio/wav` or"
            " `audio/mpeg` the audio itself, with `X-Audio-Duration-Ms` and `X-Voice-Id`",
        ),
        **errors(*PROVIDER_ERRORS),
    },
}


def _negotiated(request: Request, fmt: str) -> tuple[str, bool]:
    """The format to produce and whether the client asked for raw audio bytes."""
    accept = request.headers.get("accept", "").lower()
    if "audio/wav" in accept or "audio/x-wav" in accept:
        return "wav", True
    if "audio/mpeg" in accept:
        return "mp3", True
    return fmt, False


def _respond(request: Request, rendered: service.Rendered, raw: bool, cache: str | None = None) -> Response:
    headers = {"X-Cache": cache} if cache else {}
    if raw:
        headers |= {"X-Audio-Duration-Ms": str(rendered.speech.duration_ms), "X-Voice-Id": rendered.voice_id}
        return Response(rendered.data, media_type=audio.MEDIA_TYPES[rendered.fmt], headers=headers)
    response = ok(request, rendered.result())
    response.headers.update(headers)
    return response


async def _render(
    state: AppState, voice_id: str, text: str, fmt: str, speed: float, local_only: bool
) -> service.Rendered:
    provider, resolved = state.providers.tts_for(voice_id, local_only)
    speech = await service.speak_long(provider, resolved, text, speed)
    return await service.render(speech, fmt, resolved, provider.id)


@router.get(
    "/voices",
    summary="List available voices",
    dependencies=[Depends(public_caller)],
    response_model=enveloped(list[VoiceOut]),
)
async def voices(request: Request, state: StateDep) -> Response:
    return ok(
        request,
        [
            {
                "id": v.info.id,
                "name": v.info.name,
                "provider": v.provider,
                "language": v.info.language,
                "gender": v.info.gender,
                "available": v.available,
                "previewText": v.info.preview_text,
            }
            for v in state.providers.voices()
        ],
    )


@router.post("", summary="Synthesize speech", **_SPEECH)
async def synthesize(request: Request, state: StateDep, caller: ApiCaller, body: SynthesizeIn) -> Response:
    if not body.text.strip():
        raise bad_request("text must not be blank", "text", "too_short")
    fmt, raw = _negotiated(request, body.format)
    rendered = await _render(state, body.voice_id or DEFAULT_VOICE, body.text, fmt, body.speed, caller.local_only)
    return _respond(request, rendered, raw)


@router.post("/preview", summary="Preview a voice", **_SPEECH)
async def preview(request: Request, state: StateDep, caller: ApiCaller, body: PreviewIn) -> Response:
    voice = state.providers.check_voice(body.voice_id)
    fmt, raw = _negotiated(request, "wav")
    text = body.text or voice.info.preview_text
    key = (voice.info.id if not caller.local_only else DEFAULT_VOICE, text, fmt)
    cached = state.previews.get(key)
    if cached is not None:
        return _respond(request, cached, raw, cache="HIT")
    rendered = await _render(state, voice.info.id, text, fmt, 1.0, caller.local_only)
    state.previews.put(key, rendered)
    return _respond(request, rendered, raw, cache="MISS")


def _vendor_endpoint(vendor: str) -> Callable[..., Awaitable[Response]]:
    async def synthesize_with(
        request: Request, state: StateDep, caller: ApiCaller, body: VendorSynthesizeIn
    ) -> Response:
        if not body.text.strip():
            raise bad_request("text must not be blank", "text", "too_short")
        voice_id = state.providers.vendor_voice(vendor, body.voice_id, caller.local_only)
        fmt, raw = _negotiated(request, body.format)
        rendered = await _render(state, voice_id, body.text, fmt, 1.0, caller.local_only)
        return _respond(request, rendered, raw)

    return synthesize_with


def vendor_routes(providers: Providers) -> APIRouter:
    """`POST /tts/<provider>` for each provider that declares such a route: one handler, each its own path."""
    vendors = APIRouter(prefix="/tts", tags=["tts"])
    for spec in providers.speech_routes():
        vendors.add_api_route(
            f"/{spec.id}",
            _vendor_endpoint(spec.id),
            methods=["POST"],
            summary=f"Synthesize via {spec.name}",
            name=f"tts_{spec.id}",
            **_SPEECH,
        )
    return vendors
