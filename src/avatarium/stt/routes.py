"""Speech-to-text over HTTP (contract section 9): the models, and a recording in, its transcript out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from avatarium.deps import ApiCaller, StateDep, public_caller
from avatarium.envelope import enveloped
from avatarium.errors import bad_request
from avatarium.middleware import BodyRule
from avatarium.openapi import PROVIDER_ERRORS, errors
from avatarium.providers.registry import DEFAULT_STT_MODEL
from avatarium.responses import ok
from avatarium.stt import decode, service
from avatarium.stt.schemas import SttModelOut, TranscriptOut, transcript_out

router = APIRouter(prefix="/stt", tags=["stt"])

# Multipart framing around a file of the largest size is allowed for; the file itself is checked exactly.
BODY_RULE = BodyRule(
    "POST", "/v1/stt", decode.MAX_UPLOAD_BYTES + 64 * 1024, (*decode.CONTAINERS, "multipart/form-data")
)
_FORM_FIELDS = ("file", "model", "language")

_OPENAPI = {
    "requestBody": {
        "required": True,
        "description": "The recording as the raw body with its Content-Type, or multipart/form-data with `file`"
        " and optional `model` and `language` (with a raw body, `model` and `language` are query parameters).",
        "content": {
            **{media: {"schema": {"type": "string", "format": "binary"}} for media in decode.CONTAINERS},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "model": {"type": "string", "example": DEFAULT_STT_MODEL},
                        "language": {"type": "string", "example": "en"},
                    },
                }
            },
        },
    }
}


async def _upload(request: Request) -> tuple[bytes, str, str | None, str | None]:
    """The audio, its container, and the `model` and `language` fields of a multipart form."""
    form = await request.form(max_files=1, max_fields=len(_FORM_FIELDS))
    unknown = [key for key in form if key not in _FORM_FIELDS]
    if unknown:
        raise bad_request(f"Unknown form field '{unknown[0]}'; expected file, model, language", unknown[0], "unknown")
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise bad_request("file is required (the recording, as a file part)", "file", "required")
    container = decode.container_for(upload.content_type or "", upload.filename)
    fields = [form.get(name) for name in ("model", "language")]
    if any(value is not None and not isinstance(value, str) for value in fields):
        raise bad_request("model and language must be text fields", "model")
    model, language = (value if isinstance(value, str) and value else None for value in fields)
    return await upload.read(decode.MAX_UPLOAD_BYTES + 1), container, model, language


@router.get(
    "/models",
    summary="List speech-to-text models",
    dependencies=[Depends(public_caller)],
    response_model=enveloped(list[SttModelOut]),
)
async def list_models(request: Request, state: StateDep) -> JSONResponse:
    return ok(
        request,
        [
            {"id": m.id, "provider": m.provider, "name": m.name, "languages": m.languages, "available": m.available}
            for m in state.providers.stt_models()
        ],
    )


@router.post(
    "",
    summary="Transcribe a recording",
    openapi_extra=_OPENAPI,
    response_model=enveloped(TranscriptOut),
    responses=errors(*PROVIDER_ERRORS),
)
async def transcribe(
    request: Request,
    state: StateDep,
    caller: ApiCaller,
    model: Annotated[str | None, Query(description="With a raw body: the model, as in GET /v1/stt/models")] = None,
    language: Annotated[str | None, Query(description="With a raw body: ISO 639-1 code; detected if absent")] = None,
) -> Response:
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        data, container, model, language = await _upload(request)
    else:
        container = decode.container_for(content_type)
        data = await request.body()
    if not data:
        raise bad_request("The request has no audio", "file", "required")
    chosen = service.choose(state.providers, model, language, caller.local_only)
    transcript = await service.transcribe_upload(chosen, data, container, language)
    return ok(request, transcript_out(transcript, chosen.entry.id))
