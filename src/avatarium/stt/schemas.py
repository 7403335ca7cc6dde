"""Wire shapes of transcripts."""

from __future__ import annotations

from typing import Any

from avatarium.envelope import WireModel
from avatarium.providers.base import Transcript


class WordOut(WireModel):
    word: str
    start_ms: int
    end_ms: int


class TranscriptOut(WireModel):
    text: str
    language: str
    duration_ms: int
    model: str
    words: list[WordOut]


def transcript_out(transcript: Transcript, model_id: str) -> dict[str, Any]:
    return TranscriptOut(
        text=transcript.text,
        language=transcript.language,
        duration_ms=transcript.duration_ms,
        model=model_id,
        words=[WordOut(word=w.word, start_ms=w.start_ms, end_ms=w.end_ms) for w in transcript.words],
    ).wire()


class SttModelOut(WireModel):
    id: str
    provider: str
    name: str
    languages: list[str]
    available: bool
