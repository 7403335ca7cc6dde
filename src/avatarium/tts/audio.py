"""Encoding 16-bit mono PCM into the formats the API offers."""

from __future__ import annotations

from avatarium.providers.audio import wav_of

MEDIA_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "pcm_s16le": "audio/L16"}


def wav(pcm: bytes, sample_rate: int) -> bytes:
    return wav_of(pcm, sample_rate)


def mp3(pcm: bytes, sample_rate: int) -> bytes:
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(5)
    return bytes(encoder.encode(pcm) + encoder.flush())


def encode(pcm: bytes, sample_rate: int, fmt: str) -> bytes:
    if fmt == "wav":
        return wav(pcm, sample_rate)
    if fmt == "mp3":
        return mp3(pcm, sample_rate)
    return pcm
