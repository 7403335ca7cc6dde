"""Synthesis rules: clean the text, synthesise sentence by sentence, join the audio and the visemes."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from avatarium import lipsync
from avatarium.providers.base import Speech, TTSProvider, VisemeSpan
from avatarium.text import has_words, speakable, split_sentences
from avatarium.tts import audio

SILENCE_MS = 200


def silence(sample_rate: int = 22050, ms: int = SILENCE_MS) -> Speech:
    samples = sample_rate * ms // 1000
    return Speech(
        b"\x00\x00" * samples, sample_rate, [VisemeSpan("viseme_sil", 0, round(samples * 1000 / sample_rate))]
    )


async def speak(provider: TTSProvider, voice_id: str, text: str, speed: float = 1.0) -> Speech:
    """One sentence (or any short text) to speech; text with nothing to say becomes a short silence."""
    cleaned = speakable(text)
    if not has_words(cleaned):
        return silence()
    return await provider.synthesize(cleaned, voice_id, speed)


def join(pieces: list[Speech]) -> Speech:
    if not pieces:
        return silence()
    rate = pieces[0].sample_rate
    spans: list[VisemeSpan] = []
    offset = 0
    for piece in pieces:
        spans += lipsync.shift(piece.visemes, round(offset * 1000 / rate))
        offset += len(piece.pcm) // 2
    pcm = b"".join(p.pcm for p in pieces)
    return Speech(pcm, rate, lipsync.normalise(spans, round(offset * 1000 / rate)))


async def speak_long(provider: TTSProvider, voice_id: str, text: str, speed: float = 1.0) -> Speech:
    """Longer text sentence by sentence (the same pipeline the realtime socket streams), joined."""
    return join([await speak(provider, voice_id, s, speed) for s in split_sentences(text)] or [silence()])


@dataclass(frozen=True)
class Rendered:
    data: bytes
    fmt: str
    speech: Speech
    voice_id: str
    provider: str

    def result(self) -> dict[str, object]:
        """The TTS result of the contract, with the audio inline as base64."""
        return {
            "audio": base64.b64encode(self.data).decode(),
            "format": self.fmt,
            "sampleRate": self.speech.sample_rate,
            "durationMs": self.speech.duration_ms,
            "voiceId": self.voice_id,
            "provider": self.provider,
            "visemes": [{"viseme": v.viseme, "startMs": v.start_ms, "endMs": v.end_ms} for v in self.speech.visemes],
        }


def render(speech: Speech, fmt: str, voice_id: str, provider: str) -> Rendered:
    return Rendered(audio.encode(speech.pcm, speech.sample_rate, fmt), fmt, speech, voice_id, provider)
