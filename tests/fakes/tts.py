"""A zero-latency TTS provider: silence of a length that follows the text, with estimated visemes."""

from __future__ import annotations

from dataclasses import dataclass

from avatarium import lipsync
from avatarium.presets.catalog import Catalog
from avatarium.providers.base import Speech, TTSProvider, VoiceInfo

RATE = 16000


@dataclass
class InstantTTS(TTSProvider):
    id: str = "local"

    def voices(self) -> list[VoiceInfo]:
        # Every embedded preset voice, so that each preset avatar's default voice is known.
        local = [v for v in Catalog.load().voices.values() if v.provider == "local"]
        return [VoiceInfo(v.id, v.name, v.language, v.gender, v.preview_text) for v in local]

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        duration_ms = max(100, len(text) * 60)
        samples = RATE * duration_ms // 1000
        return Speech(b"\x00\x00" * samples, RATE, lipsync.estimate(text, round(samples * 1000 / RATE)))
