"""The voice side of one socket (contract section 9): microphone audio in, spoken turns out.

Audio frames go through voice activity and turn detection in a worker thread, in order; each
finished utterance is transcribed in the background (the socket keeps reading) and becomes a
stored user message with `source: "voice"` and its reply, one utterance after the other.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from avatarium.errors import ApiError, outage, provider_error
from avatarium.providers.base import ProviderError, Transcript
from avatarium.providers.registry import DEFAULT_STT_MODEL
from avatarium.realtime.protocol import InputAudioIn, SessionUpdateFrame, error_event
from avatarium.realtime.turn import VoiceTiming
from avatarium.stt import service as stt
from avatarium.text import has_words
from avatarium.voice.echo import EchoGuard
from avatarium.voice.input import InputAudio, Utterance, VoiceEvent, VoiceInput
from avatarium.voice.transcriber import Heard, Transcriber
from avatarium.voice.vad import SileroModel

if TYPE_CHECKING:
    from avatarium.realtime.routes import Connection

log = logging.getLogger("avatarium.realtime")

VAD = SileroModel()  # one model for every socket of the process; each stream keeps its own state
_UNDECLARED = "Declare the microphone audio first: session.update with inputAudio"


def _language_of_voice(connection: Connection) -> str | None:
    """The conversation's voice's language (`en` for en-US): what its user most likely speaks.

    Telling Whisper the language spares it detecting one per utterance, an encoder pass of its own
    (0.6 s of the 1.5 s a question took on 2 cores).
    """
    voice = connection.state.providers.voice(connection.conversation.voice_id)
    return voice.info.language.split("-")[0].lower() if voice is not None else None


def _settings(declared: InputAudioIn) -> InputAudio:
    return InputAudio(
        sample_rate=declared.sample_rate,
        turn_detection=declared.turn_detection,
        silence_ms=declared.silence_ms,
        min_speech_ms=declared.min_speech_ms,
        barge_in=declared.barge_in,
    )


class Listening:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.echo = EchoGuard()
        self._declared: InputAudioIn | None = None
        self._input: VoiceInput | None = None
        self._clock_ms = 0  # where the current input's times start on the socket's audio timeline
        self._model_id = DEFAULT_STT_MODEL
        self._language = _language_of_voice(connection)
        self._transcriber: Transcriber | None = None  # chosen by the first session.update
        self._answering: asyncio.Task[None] | None = None
        self._began = 0.0  # when the current utterance began, on the echo guard's clock

    def describe(self) -> dict[str, Any]:
        return {
            "inputAudio": self._declared.wire() if self._declared else None,
            "sttModel": self._model_id,
            "language": self._language,
        }

    async def update(self, frame: SessionUpdateFrame) -> None:
        """Apply a `session.update`: all of it, or nothing when any part is refused."""
        language = frame.language if "language" in frame.model_fields_set else self._language
        providers, local_only = self.connection.state.providers, self.connection.caller.local_only
        chosen = stt.choose(providers, frame.stt_model or self._model_id, None, local_only, "sttModel")
        if "language" in frame.model_fields_set:
            stt.choose(providers, chosen.entry.id, language, local_only, "sttModel")  # 400 if the model lacks it
        elif language not in chosen.entry.languages:
            language = None  # the voice's language, as a hint, only where the model knows it
        if self._transcriber is None or (chosen.entry.id, language) != (self._model_id, self._language):
            if self._transcriber is not None:
                await self._transcriber.close()
            self._transcriber = Transcriber(chosen.provider, chosen.name, language)
            self._model_id, self._language = chosen.entry.id, language
        if "input_audio" in frame.model_fields_set:
            self._replace_input(frame.input_audio)
        await self.connection.send({"type": "session.updated", "session": self.describe()})

    def _replace_input(self, declared: InputAudioIn | None) -> None:
        if self._input is not None:
            self._clock_ms += self._input.now_ms
        self._declared = declared
        self._input = VoiceInput(_settings(declared), VAD) if declared else None
        self._drop_guess()

    def _drop_guess(self) -> None:
        if self._transcriber is not None:
            self._transcriber.drop()

    async def audio(self, pcm: bytes) -> None:
        """A binary frame of microphone PCM."""
        if self._input is None:  # audio in a format nobody declared: a media type the server cannot know
            raise ApiError(415, f"Binary frames are microphone audio. {_UNDECLARED}")
        voice = self._input
        events = await asyncio.to_thread(voice.append, pcm)  # resampling and the VAD are CPU work
        for event in events:
            await self._on(event)
        if any(event.kind == "dropped" for event in events):
            raise ApiError(413, "An utterance is limited to 60 seconds; this one was dropped")

    async def append(self, data: str) -> None:
        """`input_audio.append`: the same audio as base64 in a JSON frame."""
        try:
            pcm = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "data must be base64-encoded PCM") from None
        await self.audio(pcm)

    async def commit(self) -> None:
        if self._input is None:
            raise ApiError(400, _UNDECLARED)
        self._drop_guess()
        utterance = self._input.commit()
        self._end_of_turn(utterance, self.echo.began() - utterance.duration_ms / 1000)

    def clear(self) -> None:
        if self._input is None:
            raise ApiError(400, _UNDECLARED)
        self._input.clear()
        self._drop_guess()

    async def close(self) -> None:
        if self._answering is not None:
            self._answering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._answering
        if self._transcriber is not None:
            await self._transcriber.close()

    async def _on(self, event: VoiceEvent) -> None:
        at_ms = self._clock_ms + event.at_ms
        if event.kind == "started":
            self._began = self.echo.began() - self._behind_ms(event.at_ms) / 1000
            await self.connection.send({"type": "speech.started", "atMs": at_ms})
            if self._barge_in and self.connection.replying:
                await self.connection.interrupt()
        elif event.kind == "paused" and event.utterance is not None and self._transcriber is not None:
            self._transcriber.speculate(event.utterance)
        elif event.kind == "resumed":
            self._drop_guess()
        elif event.kind == "stopped" and event.utterance is not None:
            await self.connection.send({"type": "speech.stopped", "atMs": at_ms})
            self._end_of_turn(event.utterance, self._began)
        elif event.kind == "dropped":
            self._drop_guess()

    @property
    def _barge_in(self) -> bool:
        return self._declared is not None and self._declared.barge_in

    def _behind_ms(self, at_ms: int) -> int:
        """How long ago, in the stream's audio, a moment of it was."""
        return max(0, self._input.now_ms - at_ms) if self._input is not None else 0

    def _end_of_turn(self, utterance: Utterance, began: float) -> None:
        """Answer the utterance in the background, after the ones before it."""
        ended = time.perf_counter()
        self._answering = asyncio.create_task(self._answer(utterance, began, ended, self._answering))

    async def _answer(
        self, utterance: Utterance, began: float, ended: float, previous: asyncio.Task[None] | None
    ) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):
                await previous
        try:
            heard = await self._hear(utterance)
        except ProviderError as exc:
            error = provider_error(exc)
            await self.connection.send(error_event(error.code, f"{error.message}; nothing was transcribed"))
            return
        text = heard.transcript.text
        if text and self.echo.is_echo(text, began):
            log.info("dropped an utterance that repeated the avatar's own words")
            text = ""
        await self.connection.send(
            {
                "type": "transcript.done",
                "text": text,
                "language": heard.transcript.language,
                "durationMs": heard.transcript.duration_ms,
            }
        )
        if has_words(text):
            # The user is already speaking again: store what they said, and answer once they finish.
            reply = not (self._barge_in and self._input is not None and self._input.speaking)
            await self._say(text, VoiceTiming(heard.stt_ms, ended), reply)

    async def _say(self, text: str, timing: VoiceTiming, reply: bool) -> None:
        """Store and answer the utterance as a typed message would be (outside the socket's reading loop)."""
        try:
            await self.connection.message(text, True, voice=timing, reply=reply)
        except Exception as exc:
            unavailable = outage(exc)
            if unavailable is None:  # a revoked credential: the client was told, the watcher closes the socket
                log.warning("spoken message not stored: %r", exc)
                return
            await self.connection.send(error_event(unavailable.code, f"{unavailable.message}; nothing was stored"))

    async def _hear(self, utterance: Utterance) -> Heard:
        if not utterance.speech or self._transcriber is None:  # the detector heard nobody: nothing to transcribe
            return Heard(Transcript("", self._language or "und", utterance.duration_ms), 0)
        return await self._transcriber.transcribe(utterance)
