"""One conversational turn: stream the reply, speak it sentence by sentence, stop at once on barge-in."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
import uuid
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from avatarium.ai import service as chat
from avatarium.auth.principal import Principal
from avatarium.conversations import service
from avatarium.conversations.schemas import message_out
from avatarium.db.models import Conversation, Message
from avatarium.errors import ApiError, provider_error
from avatarium.metrics import SPEECH_END_TO_FIRST_AUDIO, TTFA, TTFT
from avatarium.providers.base import ProviderError, Speech
from avatarium.state import AppState
from avatarium.text import FIRST_CLAUSE_WORDS, SentenceChunker
from avatarium.tts import audio as audio_codec
from avatarium.tts import service as tts

log = logging.getLogger("avatarium.realtime")


@dataclass(frozen=True)
class VoiceTiming:
    """How a spoken user message was heard."""

    stt_ms: int  # the speech-to-text engine's time
    ended: float  # perf_counter() when the user's turn ended (speech.stopped sent, or commit received)


@dataclass
class TurnProgress:
    """What the listeners have received so far, for storing an interrupted reply truthfully."""

    reply_id: uuid.UUID = field(default_factory=uuid.uuid4)
    streamed: list[str] = field(default_factory=list)
    spoken: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    ttft_ms: int | None = None
    ttfa_ms: int | None = None
    voice: VoiceTiming | None = None
    speech_end_to_first_audio_ms: int | None = None

    def elapsed_ms(self) -> int:
        return round((time.perf_counter() - self.started) * 1000)

    def first_audio(self) -> None:
        now = time.perf_counter()
        self.ttfa_ms = round((now - self.started) * 1000)
        TTFA.observe(self.ttfa_ms / 1000)
        if self.voice is not None:
            self.speech_end_to_first_audio_ms = round((now - self.voice.ended) * 1000)
            SPEECH_END_TO_FIRST_AUDIO.observe(now - self.voice.ended)

    def metrics(self) -> dict[str, Any]:
        metrics: dict[str, Any] = {"ttftMs": self.ttft_ms, "ttfaMs": self.ttfa_ms}
        if self.voice is not None:
            metrics |= {"sttMs": self.voice.stt_ms, "speechEndToFirstAudioMs": self.speech_end_to_first_audio_ms}
        return metrics


class Turn:
    """The reply to one stored user message. Runs as one asyncio task; cancelling it is how barge-in stops it."""

    def __init__(
        self,
        state: AppState,
        caller: Principal,
        conversation: Conversation,
        history: list[Message],
        user: Message,
        speak: bool,
        voice: VoiceTiming | None = None,
    ) -> None:
        self.state = state
        self.caller = caller
        self.conversation = conversation
        self.history = history
        self.user = user
        self.speak = speak
        self.progress = TurnProgress(voice=voice)

    async def publish(self, event: dict[str, Any]) -> None:
        await self.state.fanout.publish(self.conversation.id, event)

    async def run(self) -> None:
        try:
            await self._reply()
        except asyncio.CancelledError:
            await asyncio.shield(self._finish(interrupted=True))
            raise
        except (ProviderError, ApiError) as exc:
            await self._fail(provider_error(exc) if isinstance(exc, ProviderError) else exc)
            await asyncio.shield(self._finish(interrupted=True))
        except Exception:
            log.exception("realtime turn failed")
            await self._fail(ApiError(500, "Internal server error"))
            await asyncio.shield(self._finish(interrupted=True))
        else:
            await asyncio.shield(self._finish(interrupted=False))

    async def _reply(self) -> None:
        messages = service.prompt(self.conversation, self.history, self.user.content)
        stream = await chat.start(
            self.state.providers,
            self.conversation.model,
            messages,
            local_only=self.caller.local_only,
            queued=self._queued,
        )
        sentences: asyncio.Queue[str | None] = asyncio.Queue()
        speaker = asyncio.create_task(self._speak_sentences(sentences)) if self.speak else None
        chunker = SentenceChunker(first_clause_words=FIRST_CLAUSE_WORDS)  # the first words need not wait
        try:
            async with aclosing(stream.texts()) as texts:
                async for item in texts:
                    if self.progress.ttft_ms is None:
                        self.progress.ttft_ms = self.progress.elapsed_ms()
                        TTFT.observe(self.progress.ttft_ms / 1000)
                    self.progress.streamed.append(item)
                    await self.publish({"type": "reply.delta", "messageId": str(self.progress.reply_id), "text": item})
                    for sentence in chunker.feed(item):
                        sentences.put_nowait(sentence)
            rest = chunker.flush()
            if rest:
                sentences.put_nowait(rest)
            sentences.put_nowait(None)
            if speaker is not None:
                await speaker
        finally:
            if speaker is not None and not speaker.done():
                speaker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await speaker

    async def _queued(self, position: int) -> None:
        """The model serves others first: say so, with this turn's place in line (1: next)."""
        await self.publish({"type": "state", "state": "thinking", "queue": {"position": position}})

    async def _speak_sentences(self, sentences: asyncio.Queue[str | None]) -> None:
        """Synthesise each sentence as soon as it is complete, while generation goes on."""
        provider, voice_id = self.state.providers.tts_for(self.conversation.voice_id, self.caller.local_only)
        seq = 0
        rate = tts.DEFAULT_RATE
        while (sentence := await sentences.get()) is not None:
            speech = await tts.speak(provider, voice_id, sentence) or tts.silence(rate)
            rate = speech.sample_rate
            event = await asyncio.to_thread(self._audio_event, speech, sentence, seq)
            if self.progress.ttfa_ms is None:
                self.progress.first_audio()
                await self.publish({"type": "state", "state": "speaking"})
            await self.publish(event)
            self.progress.spoken.append(sentence)
            seq += 1

    def _audio_event(self, speech: Speech, sentence: str, seq: int) -> dict[str, Any]:
        """The `audio` event of one sentence (encoding and base64 are CPU work: called in a worker thread)."""
        return {
            "type": "audio",
            "messageId": str(self.progress.reply_id),
            "seq": seq,
            "text": sentence,
            "format": "wav",
            "sampleRate": speech.sample_rate,
            "durationMs": speech.duration_ms,
            "data": base64.b64encode(audio_codec.wav(speech.pcm, speech.sample_rate)).decode(),
            "visemes": [{"viseme": v.viseme, "startMs": v.start_ms, "endMs": v.end_ms} for v in speech.visemes],
        }

    def _reply_text(self, interrupted: bool) -> str:
        """The whole reply, or when cut short, what the user actually heard (or read, without audio)."""
        if interrupted and self.speak:
            return " ".join(self.progress.spoken)
        return "".join(self.progress.streamed).strip()

    async def _finish(self, interrupted: bool) -> None:
        text = self._reply_text(interrupted)
        if interrupted and not text:
            await self.publish({"type": "state", "state": "idle"})
            return
        reply = service.new_reply(
            self.conversation,
            text,
            interrupted=interrupted,
            metrics=self.progress.metrics(),
            reply_id=self.progress.reply_id,
        )
        try:
            async with self.state.sessions.begin() as session:
                await service.append(session, self.conversation, reply)
        except ApiError:  # the conversation ended meanwhile: its `ended` event says so
            await self.publish({"type": "state", "state": "idle"})
            return
        except Exception:
            log.exception("could not store the reply of a realtime turn")
            await self._fail(ApiError(503, "The reply could not be stored"))
            await self.publish({"type": "state", "state": "idle"})
            return
        await self.publish({"type": "reply.done", "message": message_out(reply)})
        await self.publish({"type": "state", "state": "idle"})

    async def _fail(self, error: ApiError) -> None:
        await self.publish({"type": "error", "error": {"code": error.code, "message": error.message}})
