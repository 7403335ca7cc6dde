"""Piper voices, loaded once from the packages that ship them, with phoneme alignments turned into visemes."""

from __future__ import annotations

import threading
from importlib import import_module
from typing import Any

import numpy as np

from avatarium import lipsync
from avatarium.providers.base import Speech

_SILENCE_MS = 200


class PiperEngine:
    """Synthesis is thread-safe (onnxruntime sessions are; Piper guards its phonemizer)."""

    def __init__(self) -> None:
        self._voices: dict[str, Any] = {}
        self._load_lock = threading.Lock()

    def voice(self, package: str) -> Any:
        with self._load_lock:
            if package not in self._voices:
                from piper import PiperVoice

                module = import_module(package)
                voice = PiperVoice.load(module.model_path(), module.config_path(), include_alignments=True)
                # One short sentence now: onnxruntime's first run of a model is several times slower.
                for _chunk in voice.synthesize("Hello.", include_alignments=True):
                    pass
                self._voices[package] = voice
            return self._voices[package]

    def synthesize(self, text: str, package: str, speed: float) -> Speech:
        from piper import SynthesisConfig

        voice = self.voice(package)
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
