"""Vendors' audio: decoding it into the 16-bit mono PCM every Speech carries, and WAV for uploads."""

from __future__ import annotations

import io
import wave

from avatarium.providers.base import ProviderError


def pcm_from_wav(provider: str, data: bytes) -> tuple[bytes, int]:
    try:
        with wave.open(io.BytesIO(data)) as wav:
            if wav.getsampwidth() != 2:
                raise ProviderError(provider, "unavailable", "the provider sent audio of an unexpected sample width")
            frames = wav.readframes(wav.getnframes())
            rate = wav.getframerate()
            channels = wav.getnchannels()
    except (wave.Error, EOFError):
        raise ProviderError(provider, "unavailable", "the provider sent unreadable audio") from None
    if channels == 2:  # keep the left channel
        frames = b"".join(frames[i : i + 2] for i in range(0, len(frames), 4))
    return frames, rate


def checked_pcm(provider: str, data: bytes) -> bytes:
    if not data or len(data) % 2:
        raise ProviderError(provider, "unavailable", "the provider sent truncated audio")
    return data


def wav_of(pcm: bytes, sample_rate: int) -> bytes:
    """Mono 16-bit PCM in a WAV container."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()
