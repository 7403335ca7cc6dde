"""Transcription of one stream's utterances, started at a pause so the end of the turn finds it (nearly) done."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from avatarium.metrics import STT_SECONDS
from avatarium.providers.base import STTProvider, Transcript
from avatarium.voice.input import Utterance
from avatarium.voice.pcm import MODEL_RATE


@dataclass(frozen=True)
class Heard:
    transcript: Transcript
    stt_ms: int  # how long the engine took


class Transcriber:
    """One model and language for a stream.

    When the speaker pauses, what was said so far is transcribed at once. If the pause
    turns into the end of the turn, the utterance is the very same (see `input.TAIL_MS`)
    and that transcript is used: the wait after `speech.stopped` shrinks by the silence
    the turn detector waited for. If the speaker goes on, the guess is dropped.
    """

    def __init__(self, provider: STTProvider, model: str, language: str | None) -> None:
        self.provider = provider
        self.model = model
        self.language = language
        self._ahead: tuple[bytes, asyncio.Task[Heard]] | None = None

    def speculate(self, utterance: Utterance) -> None:
        self.drop()
        self._ahead = (utterance.pcm, asyncio.create_task(self._run(utterance.pcm)))

    def drop(self) -> None:
        if self._ahead is not None:
            self._ahead[1].cancel()
            self._ahead = None

    async def transcribe(self, utterance: Utterance) -> Heard:
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == utterance.pcm:
            return await ahead[1]
        if ahead is not None:
            ahead[1].cancel()
        return await self._run(utterance.pcm)

    async def close(self) -> None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            ahead[1].cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await ahead[1]

    async def _run(self, pcm: bytes) -> Heard:
        started = time.perf_counter()
        transcript = await self.provider.transcribe_turn(pcm, MODEL_RATE, self.model, self.language)
        elapsed = time.perf_counter() - started
        STT_SECONDS.observe(elapsed)
        return Heard(transcript, round(elapsed * 1000))
