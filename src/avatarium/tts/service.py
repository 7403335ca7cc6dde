"""Synthesis rules: clean the text, synthesise sentence by sentence, join the audio and the visemes."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass

from avatarium import lipsync
from avatarium.providers.base import Speech, TTSProvider, VisemeSpan
from avatarium.text import has_words, speakable, split_sentences
from avatarium.tts import audio

SILENCE_MS = 200
DEFAULT_RATE = 22050  # of a silence that no speech gives a rate to (text with nothing to say at all)


def silence(sample_rate: int, ms: int = SILENCE_MS) -> Speech:
    samples = sample_rate * ms // 1000
    return Speech(
        b"\x00\x00" * samples, sample_rate, [VisemeSpan("viseme_sil", 0, round(samples * 1000 / sample_rate))]
    )


async def speak(provider: TTSProvider, voice_id: str, text: str, speed: float = 1.0) -> Speech | None:
    """One sentence (or any short text) to speech; None when it has nothing to say (emoji, punctuation)."""
    cleaned = speakable(text)
    if not has_words(cleaned):
        return None
    return await provider.synthesize(cleaned, voice_id, speed)


def join(pieces: list[Speech]) -> Speech:
    """Consecutive pieces of one voice as one: their audio end to end, their visemes shifted to match."""
    rate = pieces[0].sample_rate
    if any(p.sample_rate != rate for p in pieces):
        raise ValueError("pieces of one speech must share a sample rate")
    spans: list[VisemeSpan] = []
    offset = 0
    for piece in pieces:
        spans += lipsync.shift(piece.visemes, round(offset * 1000 / rate))
        offset += len(piece.pcm) // 2
    pcm = b"".join(p.pcm for p in pieces)
    return Speech(pcm, rate, lipsync.normalise(spans, round(offset * 1000 / rate)))


async def speak_long(provider: TTSProvider, voice_id: str, text: str, speed: float = 1.0) -> Speech:
    """Longer text sentence by sentence (the same pipeline the realtime socket streams), joined.

    A sentence with nothing to say becomes a short pause at the rate of the voice's own speech.
    """
    spoken = [await speak(provider, voice_id, s, speed) for s in split_sentences(text)]
    rate = next((piece.sample_rate for piece in spoken if piece is not None), DEFAULT_RATE)
    return join([piece or silence(rate) for piece in spoken] or [silence(rate)])


@dataclass(frozen=True)
class Rendered:
    data: bytes
    fmt: str
    speech: Speech
    voice_id: str
    provider: str
    data_base64: str

    def result(self) -> dict[str, object]:
        """The TTS result of the contract, with the audio inline as base64."""
        return {
            "audio": self.data_base64,
            "format": self.fmt,
            "sampleRate": self.speech.sample_rate,
            "durationMs": self.speech.duration_ms,
            "voiceId": self.voice_id,
            "provider": self.provider,
            "visemes": [{"viseme": v.viseme, "startMs": v.start_ms, "endMs": v.end_ms} for v in self.speech.visemes],
        }


def _encode(speech: Speech, fmt: str) -> tuple[bytes, str]:
    data = audio.encode(speech.pcm, speech.sample_rate, fmt)
    return data, base64.b64encode(data).decode()


async def render(speech: Speech, fmt: str, voice_id: str, provider: str) -> Rendered:
    """Encode the speech in `fmt` (CPU work, for MP3 a lot of it: done in a worker thread)."""
    data, data_base64 = await asyncio.to_thread(_encode, speech, fmt)
    return Rendered(data, fmt, speech, voice_id, provider, data_base64)
