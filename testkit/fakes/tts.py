"""A zero-latency TTS provider: silence of a length that follows the text, with estimated visemes."""

from __future__ import annotations

from dataclasses import dataclass

from avatarium import lipsync
from avatarium.providers.base import Speech, TTSProvider, VoiceInfo
from avatarium.providers.local.voices import VOICES

RATE = 16000


@dataclass
class InstantTTS(TTSProvider):
    id: str = "local"

    def voices(self) -> list[VoiceInfo]:
        # Every embedded voice, so that each preset avatar's default voice is known.
        return [voice.info for voice in VOICES]

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        duration_ms = max(100, len(text) * 60)
        samples = RATE * duration_ms // 1000
        return Speech(b"\x00\x00" * samples, RATE, lipsync.estimate(text, round(samples * 1000 / RATE)))
