"""The embedded voices: Piper (natural, English) and eSpeak NG (compact, many languages)."""

from __future__ import annotations

import asyncio

from avatarium.presets.catalog import VoicePreset
from avatarium.providers.base import ProviderError, Speech, TTSProvider, VoiceInfo
from avatarium.providers.local.espeak import EspeakEngine
from avatarium.providers.local.piper import PiperEngine


class LocalTTS(TTSProvider):
    id = "local"

    def __init__(self, presets: list[VoicePreset]) -> None:
        self._presets = {p.id: p for p in presets if p.provider == "local" and p.engine in ("piper", "espeak")}
        self._piper = PiperEngine()
        self._espeak = EspeakEngine()

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(p.id, p.name, p.language, p.gender, p.preview_text) for p in self._presets.values()]

    async def warm(self) -> None:
        for preset in self._presets.values():
            if preset.engine == "piper":
                await asyncio.to_thread(self._piper.voice, preset.engine_voice)

    def _synthesize(self, text: str, preset: VoicePreset, speed: float) -> Speech:
        if preset.engine == "piper":
            return self._piper.synthesize(text, preset.engine_voice, speed)
        return self._espeak.synthesize(text, preset.engine_voice, speed)

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        preset = self._presets.get(voice_id)
        if preset is None:
            raise ProviderError(self.id, "bad_request", f"unknown voice {voice_id}")
        return await asyncio.to_thread(self._synthesize, text, preset, speed)
