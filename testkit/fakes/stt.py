"""A scripted speech-to-text provider standing in for the embedded one: a fixed transcript, calls recorded."""

from __future__ import annotations

from dataclasses import dataclass, field

from avatarium.providers.base import STTModelInfo, STTProvider, Transcript, WordTiming


@dataclass
class ScriptedSTT(STTProvider):
    id: str = "local"
    text: str = "hello there"
    calls: list[tuple[int, int, str, str | None]] = field(default_factory=list)  # (bytes, rate, model, language)

    def models(self) -> list[STTModelInfo]:
        return [STTModelInfo("whisper-base", "Whisper base (scripted)", ["en"])]

    async def transcribe(self, pcm: bytes, sample_rate: int, model: str, language: str | None = None) -> Transcript:
        self.calls.append((len(pcm), sample_rate, model, language))
        duration_ms = round(len(pcm) / 2 * 1000 / sample_rate)
        words = [WordTiming(w, i * 300, i * 300 + 250) for i, w in enumerate(self.text.split())]
        return Transcript(self.text, language or "en", duration_ms, words)
