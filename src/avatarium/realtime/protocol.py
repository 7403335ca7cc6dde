"""Client → server frames of the realtime protocol, parsed and validated."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from avatarium import strict_json
from avatarium.envelope import WireIn
from avatarium.errors import ApiError

MAX_FRAME_CHARS = 64 * 1024


class MessageFrame(WireIn):
    type: Literal["message"]
    content: str = Field(min_length=1, max_length=4000)
    audio: bool = True


class InterruptFrame(WireIn):
    type: Literal["interrupt"]


class PingFrame(WireIn):
    type: Literal["ping"]


class EndFrame(WireIn):
    type: Literal["end"]


class InputAudioIn(WireIn):
    """The microphone audio a client will send (contract section 9); omitted fields take their defaults."""

    format: Literal["pcm_s16le"] = "pcm_s16le"
    sample_rate: Literal[16000, 24000, 48000] = 16000
    turn_detection: Literal["server_vad", "manual"] = "server_vad"
    silence_ms: int = Field(default=600, ge=200, le=5000)
    min_speech_ms: int = Field(default=250, ge=0, le=5000)
    barge_in: bool = True


class SessionUpdateFrame(WireIn):
    type: Literal["session.update"]
    input_audio: InputAudioIn | None = None
    stt_model: str | None = Field(default=None, min_length=1, max_length=128)
    language: str | None = Field(default=None, min_length=2, max_length=8)  # None: detected per utterance


class InputAudioAppendFrame(WireIn):
    type: Literal["input_audio.append"]
    data: str = Field(min_length=1)  # base64 of PCM in the declared format


class InputAudioCommitFrame(WireIn):
    type: Literal["input_audio.commit"]


class InputAudioClearFrame(WireIn):
    type: Literal["input_audio.clear"]


ClientMessage = Annotated[
    MessageFrame
    | InterruptFrame
    | PingFrame
    | EndFrame
    | SessionUpdateFrame
    | InputAudioAppendFrame
    | InputAudioCommitFrame
    | InputAudioClearFrame,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
CLIENT_TYPES = (
    "message",
    "interrupt",
    "ping",
    "end",
    "session.update",
    "input_audio.append",
    "input_audio.commit",
    "input_audio.clear",
)


def error_event(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"code": code, "message": message}}


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
