"""One microphone stream: checked and resampled frames, turn detection, and the utterance being spoken."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from avatarium.errors import ApiError
from avatarium.voice.pcm import MODEL_RATE, Resampler, to_float
from avatarium.voice.turns import TurnDetector
from avatarium.voice.vad import SileroModel

MAX_UTTERANCE_MS = 60_000
MAX_FRAME_BYTES = 10 * 1024 * 1024
PRE_ROLL_MS = 300  # kept in front of the detected start: the first syllable is often below the threshold
# Kept after the end of speech. No longer than turns.PAUSE_MS, so that the utterance taken at a pause is
# the very one taken at the stop when the speech does not resume (its transcript can be reused).
TAIL_MS = 160
_PER_MS = MODEL_RATE // 1000 * 2  # bytes of 16 kHz PCM per millisecond

VoiceKind = Literal["started", "paused", "resumed", "stopped", "dropped"]


@dataclass(frozen=True)
class InputAudio:
    """The audio a client declared with `session.update`."""

    sample_rate: int = 16000
    turn_detection: Literal["server_vad", "manual"] = "server_vad"
    silence_ms: int = 600
    min_speech_ms: int = 250
    barge_in: bool = True


@dataclass(frozen=True)
class Utterance:
    pcm: bytes  # 16-bit mono at 16 kHz
    speech: bool  # False when voice activity detection heard nothing: no need to transcribe it

    @property
    def duration_ms(self) -> int:
        return len(self.pcm) // _PER_MS


@dataclass(frozen=True)
class VoiceEvent:
    """A turn event (see `turns.TurnEvent`), with the utterance when it is `paused` or `stopped`;
    `dropped`: the utterance passed `MAX_UTTERANCE_MS` and was thrown away."""

    kind: VoiceKind
    at_ms: int
    utterance: Utterance | None = None


class VoiceInput:
    """Not thread-safe: one stream's frames go through it in order, one at a time."""

    def __init__(self, settings: InputAudio, vad: SileroModel) -> None:
        self.settings = settings
        self._resampler = Resampler(settings.sample_rate)
        self._server_vad = settings.turn_detection == "server_vad"
        self._vad = vad.stream()
        self._detector = TurnDetector(settings.silence_ms, settings.min_speech_ms)
        self._audio = bytearray()  # 16 kHz PCM of the current utterance (or the pre-roll)
        self._first = 0  # where `_audio` begins, in bytes of 16 kHz PCM since the stream began
        self._received = 0  # bytes of 16 kHz PCM since the stream began: the stream's clock

    @property
    def now_ms(self) -> int:
        return self._received // _PER_MS

    @property
    def speaking(self) -> bool:
        return self._detector.speaking

    def append(self, pcm: bytes) -> list[VoiceEvent]:
        """Take one frame of PCM at the declared rate; raises ApiError when the frame itself is unusable."""
        if len(pcm) % 2:
            raise ApiError(400, "Audio frames must hold whole 16-bit samples (an even number of bytes)")
        if len(pcm) > MAX_FRAME_BYTES:
            raise ApiError(413, f"Audio frames are limited to {MAX_FRAME_BYTES // (1024 * 1024)} MB")
        samples = self._resampler.push(pcm)
        self._audio += samples
        self._received += len(samples)
        events = self._detect(samples) if self._server_vad else []
        if self._length_ms() > MAX_UTTERANCE_MS:
            self.clear()
            events.append(VoiceEvent("dropped", self.now_ms))
        self._trim()
        return events

    def commit(self) -> Utterance:
        """End the utterance now, whatever the detector thinks."""
        heard = not self._server_vad or self._detector.start_ms is not None
        utterance = Utterance(bytes(self._audio) if heard else b"", heard)
        self.clear()
        return utterance

    def clear(self) -> None:
        self._detector.reset()
        self._audio.clear()
        self._first = self._received

    def _detect(self, samples: bytes) -> list[VoiceEvent]:
        events = []
        for probability in self._vad.feed(to_float(samples)):
            event = self._detector.push(probability)
            if event is None:
                continue
            utterance = None
            if event.kind in ("paused", "stopped"):
                utterance = Utterance(self._slice(event.at_ms + TAIL_MS), True)
            events.append(VoiceEvent(event.kind, event.at_ms, utterance))
        return events

    def _slice(self, end_ms: int) -> bytes:
        begin = self._offset(self._detector.utterance_start_ms - PRE_ROLL_MS)
        return bytes(self._audio[begin : max(begin, self._offset(end_ms))])

    def _offset(self, at_ms: int) -> int:
        """Where a moment of the stream is in `_audio` (0 if before it)."""
        return max(0, at_ms * _PER_MS - self._first)

    def _length_ms(self) -> int:
        start = self._detector.start_ms
        if self._server_vad and start is None:
            return 0
        begin = self._offset(start - PRE_ROLL_MS) if start is not None else 0
        return (len(self._audio) - begin) // _PER_MS

    def _trim(self) -> None:
        """Between utterances keep only the pre-roll; during one, everything from its pre-roll on."""
        if not self._server_vad:
            return
        start = self._detector.start_ms
        # Measured from what the detector has judged: a window not yet judged may start an utterance.
        drop = self._offset((start if start is not None else self._detector.now_ms) - PRE_ROLL_MS)
        if drop > 0:
            del self._audio[:drop]
            self._first += drop
