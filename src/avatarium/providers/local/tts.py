"""The embedded voices: Piper (natural, English) and eSpeak NG (compact, many languages)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from avatarium.providers.base import ProviderError, Speech, TTSProvider, VoiceInfo
from avatarium.providers.local.espeak import EspeakEngine
from avatarium.providers.local.piper import PiperEngine
from avatarium.providers.local.voices import VOICES, LocalVoice


class LocalTTS(TTSProvider):
    id = "local"

    def __init__(self, voices: Sequence[LocalVoice] = VOICES) -> None:
        self._voices = {v.info.id: v for v in voices}
        self._piper = PiperEngine()
        self._espeak = EspeakEngine()

    def voices(self) -> list[VoiceInfo]:
        return [v.info for v in self._voices.values()]

    async def warm(self) -> None:
        for voice in self._voices.values():
            if voice.engine == "piper":
                await asyncio.to_thread(self._piper.voice, voice.engine_voice)

    def _synthesize(self, text: str, voice: LocalVoice, speed: float) -> Speech:
        if voice.engine == "piper":
            return self._piper.synthesize(text, voice.engine_voice, speed)
        return self._espeak.synthesize(text, voice.engine_voice, speed)

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        voice = self._voices.get(voice_id)
        if voice is None:
            raise ProviderError(self.id, "bad_request", f"unknown voice {voice_id}")
        return await asyncio.to_thread(self._synthesize, text, voice, speed)
