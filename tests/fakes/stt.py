"""A zero-latency speech-to-text provider: it hears the same words in any audio."""

from __future__ import annotations

from dataclasses import dataclass

from avatarium.providers.base import STTModelInfo, STTProvider, Transcript
from avatarium.voice.pcm import duration_ms


@dataclass
class InstantSTT(STTProvider):
    id: str = "local"
    text: str = "What is the capital of France?"

    def models(self) -> list[STTModelInfo]:
        return [STTModelInfo("whisper-base", "Instant", ["en"])]

    async def transcribe(self, pcm: bytes, sample_rate: int, model: str, language: str | None = None) -> Transcript:
        return Transcript(self.text, language or "en", duration_ms(pcm, sample_rate))
