"""Reading `POST /v1/avatars`: a multipart form with the model file and the avatar's text fields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from avatarium.avatars.schemas import AvatarIn
from avatarium.errors import bad_request, validation_error

TEXT_FIELDS = ("name", "description", "style", "gender", "tags", "defaultVoiceId", "defaultPersonaId")
MAX_FIELDS = 32  # unknown fields are ignored, as in JSON bodies, but not without bound

OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["model", "name"],
                    "properties": {
                        "model": {"type": "string", "format": "binary", "description": "glTF 2.0 binary (.glb) or VRM"},
                        "name": {"type": "string", "minLength": 1, "maxLength": 100},
                        "description": {"type": "string", "maxLength": 1000},
                        "style": {"type": "string", "maxLength": 40},
                        "gender": {"type": "string", "maxLength": 40},
                        "tags": {"type": "string", "description": "Comma-separated"},
                        "defaultVoiceId": {"type": "string"},
                        "defaultPersonaId": {"type": "string"},
                    },
                }
            }
        },
    }
}


@dataclass(frozen=True)
class Upload:
    fields: AvatarIn
    model: IO[bytes]  # spooled to a temporary file past 1 MB by the multipart parser


@asynccontextmanager
async def read_upload(request: Request) -> AsyncIterator[Upload]:
    """The parsed form; its temporary file is removed on leaving."""
    try:
        form = await request.form(max_files=1, max_fields=MAX_FIELDS)
    except HTTPException as exc:
        raise bad_request(f"Malformed multipart/form-data body: {exc.detail}") from None
    try:
        model = form.get("model")
        if not isinstance(model, UploadFile):
            issue = "required" if model is None else "invalid"
            raise bad_request(
                "model is required: attach the .glb or .vrm file as the form field 'model'", "model", issue
            )
        texts = {name: form[name] for name in TEXT_FIELDS if name in form}
        for name, value in texts.items():
            if not isinstance(value, str):
                raise bad_request(f"{name} must be text, not a file", name)
        try:
            fields = AvatarIn.model_validate(texts)
        except ValidationError as exc:
            raise validation_error(exc.errors()) from None
        yield Upload(fields, model.file)
    finally:
        await form.close()
