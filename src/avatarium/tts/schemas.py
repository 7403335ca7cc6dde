from __future__ import annotations

from typing import Literal

from pydantic import Field

from avatarium.envelope import WireIn, WireModel

Format = Literal["wav", "pcm_s16le", "mp3"]


class SynthesizeIn(WireIn):
    text: str = Field(min_length=1, max_length=5000)
    voice_id: str | None = Field(default=None, max_length=128)
    format: Format = "wav"
    speed: float = Field(default=1.0, ge=0.5, le=2.0)


class PreviewIn(WireIn):
    voice_id: str = Field(max_length=128)
    text: str | None = Field(default=None, min_length=1, max_length=500)


class VendorSynthesizeIn(WireIn):
    text: str = Field(min_length=1, max_length=5000)
    voice_id: str | None = Field(default=None, max_length=128)
    model: str | None = Field(default=None, max_length=128)
    format: Format = "wav"


class VoiceOut(WireModel):
    id: str
    name: str
    provider: str
    language: str
    gender: str
    available: bool
    preview_text: str


class VisemeOut(WireModel):
    viseme: str
    start_ms: int
    end_ms: int


class SpeechOut(WireModel):
    """The TTS result: the audio inline as base64, and the visemes that line up with it."""

    audio: str
    format: Format
    sample_rate: int
    duration_ms: int
    voice_id: str
    provider: str
    visemes: list[VisemeOut]
