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
from avatarium.conversations import repository, service
from avatarium.conversations.schemas import message_out
from avatarium.db.models import Conversation, Message
from avatarium.envelope import utcnow
from avatarium.errors import ApiError, provider_error
from avatarium.metrics import TTFA, TTFT
from avatarium.providers.base import ProviderError
from avatarium.state import AppState
from avatarium.text import SentenceChunker
from avatarium.tts import audio as audio_codec
from avatarium.tts import service as tts

log = logging.getLogger("avatarium.realtime")


@dataclass
class TurnProgress:
    """What the listeners have received so far, for storing an interrupted reply truthfully."""

    reply_id: uuid.UUID = field(default_factory=uuid.uuid4)
    streamed: list[str] = field(default_factory=list)
    spoken: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    ttft_ms: int | None = None
    ttfa_ms: int | None = None

    def elapsed_ms(self) -> int:
        return round((time.perf_counter() - self.started) * 1000)

    def metrics(self) -> dict[str, Any]:
        return {"ttftMs": self.ttft_ms, "ttfaMs": self.ttfa_ms}


class Turn:
    """Runs as one asyncio task; cancelling the task is how barge-in and disconnects stop it."""

    def __init__(
        self, state: AppState, caller: Principal, conversation: Conversation, content: str, speak: bool
    ) -> None:
        self.state = state
        self.caller = caller
        self.conversation = conversation
        self.content = content
        self.speak = speak
        self.progress = TurnProgress()

    async def publish(self, event: dict[str, Any]) -> None:
        await self.state.fanout.publish(self.conversation.id, event)

    async def run(self) -> None:
        await self.publish({"type": "state", "state": "thinking"})
        try:
            history, user = await self._store_user_message()
        except ApiError as exc:
            await self._fail(exc)
            return
        await self.publish({"type": "message", "message": message_out(user)})
        try:
            await self._reply(history)
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

    async def _store_user_message(self) -> tuple[list[Message], Message]:
        async with self.state.sessions.begin() as session:
            history = await repository.messages(session, self.conversation.id)
            first = await repository.reserve_seqs(session, self.conversation.id, 1, utcnow())
            if first is None:
                raise ApiError(409, "This conversation has ended")
            user = service.new_user_message(self.conversation, self.content)
            user.seq = first
            await repository.add(session, user)
        return history, user

    async def _reply(self, history: list[Message]) -> None:
        messages = service.prompt(self.conversation, history, self.content)
        stream = await chat.start(
            self.state.providers, self.conversation.model, messages, local_only=self.caller.local_only
        )
        sentences: asyncio.Queue[str | None] = asyncio.Queue()
        speaker = asyncio.create_task(self._speak_sentences(sentences)) if self.speak else None
        chunker = SentenceChunker()
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

    async def _speak_sentences(self, sentences: asyncio.Queue[str | None]) -> None:
        """Synthesise each sentence as soon as it is complete, while generation goes on."""
        provider, voice_id = self.state.providers.tts_for(self.conversation.voice_id, self.caller.local_only)
        seq = 0
        while (sentence := await sentences.get()) is not None:
            speech = await tts.speak(provider, voice_id, sentence)
            if self.progress.ttfa_ms is None:
                self.progress.ttfa_ms = self.progress.elapsed_ms()
                TTFA.observe(self.progress.ttfa_ms / 1000)
                await self.publish({"type": "state", "state": "speaking"})
            await self.publish(
                {
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
            )
            self.progress.spoken.append(sentence)
            seq += 1

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
        reply = Message(
            id=self.progress.reply_id,
            conversation_id=self.conversation.id,
            role="assistant",
            content=text,
            interrupted=interrupted,
            metrics=self.progress.metrics(),
            created_at=utcnow(),
        )
        try:
            async with self.state.sessions.begin() as session:
                first = await repository.reserve_seqs(session, self.conversation.id, 1, utcnow())
                if first is not None:
                    reply.seq = first
                    await repository.add(session, reply)
        except Exception:
            log.exception("could not store the reply of a realtime turn")
            return
        if first is not None:
            await self.publish({"type": "reply.done", "message": message_out(reply)})
        await self.publish({"type": "state", "state": "idle"})

    async def _fail(self, error: ApiError) -> None:
        await self.publish({"type": "error", "error": {"code": error.code, "message": error.message}})
