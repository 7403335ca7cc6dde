"""Test recordings: questions spoken by the embedded voice, silence, and the containers clients upload."""

from __future__ import annotations

import io

import av
import numpy as np

from avatarium.providers.base import Speech
from avatarium.voice.pcm import MODEL_RATE, resample
from testkit.voices import LOCAL_TTS

CODECS = {"wav": "pcm_s16le", "mp3": "libmp3lame", "webm": "libopus", "ogg": "libopus", "mp4": "aac"}
_OPUS_RATE = 48000


_SPOKEN: dict[tuple[str, str], Speech] = {}


async def spoken(text: str, rate: int = MODEL_RATE, voice: str = "piper-en-us-joe") -> bytes:
    """16-bit mono PCM of `text` read by an embedded voice, at `rate`.

    Synthesised once per text (Piper's output varies a little from one run to the next), so that
    the same words at several rates or in several tests are the same recording.
    """
    if (text, voice) not in _SPOKEN:
        _SPOKEN[text, voice] = await LOCAL_TTS.synthesize(text, voice)
    speech = _SPOKEN[text, voice]
    return resample(speech.pcm, speech.sample_rate, rate)


def silence(ms: int, rate: int = MODEL_RATE) -> bytes:
    return b"\x00\x00" * (rate * ms // 1000)


def noise(ms: int, level: int = 300, rate: int = MODEL_RATE, seed: int = 7) -> bytes:
    """Quiet white noise: a room, not a voice."""
    samples = np.random.default_rng(seed).normal(0, level, rate * ms // 1000)
    return samples.clip(-32768, 32767).astype("<i2").tobytes()


def frames(pcm: bytes, ms: int, rate: int = MODEL_RATE) -> list[bytes]:
    """`pcm` cut into frames of `ms`, as a microphone delivers it."""
    size = rate * ms // 1000 * 2
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def encode(pcm: bytes, rate: int, container: str) -> bytes:
    """A recording in `container` (wav, mp3, webm, ogg, mp4), encoded by FFmpeg as browsers and phones would."""
    codec = CODECS[container]
    out_rate = _OPUS_RATE if codec == "libopus" else rate
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=out_rate, layout="mono")
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=out_rate)
        frame = av.AudioFrame.from_ndarray(np.frombuffer(pcm, dtype="<i2").reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for piece in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(piece):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def words_of(text: str) -> list[str]:
    return "".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()


def heard(transcript: str, said: str) -> bool:
    """Whether a transcript is what was said, give or take one word in ten (at least one).

    Piper's speech varies from run to run, and now and then a word comes out ambiguous.
    """
    expected, got = words_of(said), words_of(transcript)
    row = list(range(len(got) + 1))
    for i, word in enumerate(expected, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(got, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1] <= max(1, len(expected) // 10)
