"""Client → server frames of the realtime protocol, parsed and validated."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from avatarium import strict_json
from avatarium.envelope import WireModel
from avatarium.errors import ApiError

MAX_FRAME_CHARS = 64 * 1024


class MessageFrame(WireModel):
    type: Literal["message"]
    content: str = Field(min_length=1, max_length=4000)
    audio: bool = True


class InterruptFrame(WireModel):
    type: Literal["interrupt"]


class PingFrame(WireModel):
    type: Literal["ping"]


class EndFrame(WireModel):
    type: Literal["end"]


ClientMessage = Annotated[MessageFrame | InterruptFrame | PingFrame | EndFrame, Field(discriminator="type")]
_ADAPTER: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
CLIENT_TYPES = ("message", "interrupt", "ping", "end")


def parse_frame(text: str) -> ClientMessage:
    """A validated client frame; raises ApiError for oversized, malformed or unknown frames."""
    if len(text) > MAX_FRAME_CHARS:
        raise ApiError(413, f"Frames are limited to {MAX_FRAME_CHARS} characters")
    try:
        data = strict_json.loads(text)
    except json.JSONDecodeError:
        raise ApiError(400, "Frames must be JSON objects") from None
    except strict_json.NotStrictJSON as exc:
        raise ApiError(400, f"Frames must be JSON objects: {exc}") from None
    if not isinstance(data, dict) or "type" not in data:
        raise ApiError(400, "Frames must be JSON objects with a type")
    if data["type"] not in CLIENT_TYPES:
        raise ApiError(400, f"Unknown frame type '{data['type']}'; expected one of: {', '.join(CLIENT_TYPES)}")
    if data["type"] == "message" and isinstance(data.get("content"), str) and not data["content"].strip():
        raise ApiError(400, "content must not be blank")
    return _ADAPTER.validate_python(data)
