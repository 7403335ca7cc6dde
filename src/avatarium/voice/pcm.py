"""16-bit mono PCM: conversion to the float samples models take, and resampling to their rate."""

from __future__ import annotations

import av
import numpy as np

MODEL_RATE = 16000  # what the voice activity detector and Whisper listen at
INPUT_RATES = (16000, 24000, 48000)


def to_float(pcm: bytes) -> np.ndarray:
    """Samples in [-1, 1) as float32, what ONNX and CTranslate2 models take."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def duration_ms(pcm: bytes, rate: int) -> int:
    return round(len(pcm) / 2 * 1000 / rate)


class Resampler:
    """Streaming conversion of 16-bit mono PCM from `rate` to `MODEL_RATE` (libswresample).

    Keeps its filter state between chunks, so a stream cut into frames sounds the same as
    the whole; `flush` returns the few samples the filter still holds.
    """

    def __init__(self, rate: int, target: int = MODEL_RATE) -> None:
        self.rate = rate
        self.target = target
        self._swr = av.AudioResampler(format="s16", layout="mono", rate=target) if rate != target else None

    def push(self, pcm: bytes) -> bytes:
        if self._swr is None or not pcm:
            return pcm
        frame = av.AudioFrame.from_ndarray(np.frombuffer(pcm, dtype="<i2").reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.rate
        return self._collect(self._swr.resample(frame))

    def flush(self) -> bytes:
        if self._swr is None:
            return b""
        return self._collect(self._swr.resample(None))

    @staticmethod
    def _collect(frames: list[av.AudioFrame]) -> bytes:
        return b"".join(frame.to_ndarray().astype("<i2").tobytes() for frame in frames)


def resample(pcm: bytes, rate: int, target: int = MODEL_RATE) -> bytes:
    """A whole recording at `target` Hz."""
    resampler = Resampler(rate, target)
    return resampler.push(pcm) + resampler.flush()
