"""Turn detection on speech probabilities: when an utterance starts, pauses, resumes and ends."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from avatarium.voice.vad import WINDOW_MS

THRESHOLD = 0.5  # Silero's own default: at or above, a window is speech
# Below this a window is silence; in between, the current state holds (hysteresis, as in Silero's iterator).
NEG_THRESHOLD = THRESHOLD - 0.15
# Dips this short inside the first `min_speech_ms` do not restart the count (a plosive, a breath).
BRIDGE_MS = 96
# Silence after which the utterance so far is worth transcribing ahead of the end of the turn.
PAUSE_MS = 192


Kind = Literal["started", "paused", "resumed", "stopped"]


@dataclass(frozen=True)
class TurnEvent:
    """`started`: at the start of the speech, once it has lasted `min_speech_ms`; `paused`: the speech ended
    `PAUSE_MS` ago and may resume; `resumed`; `stopped`: at the end of the speech, after `silence_ms` of silence."""

    kind: Kind
    at_ms: int


class _State(Enum):
    QUIET = "quiet"
    CANDIDATE = "candidate"
    SPEAKING = "speaking"


class TurnDetector:
    """Speech must last `min_speech_ms` to start a turn (a cough does not), and silence `silence_ms` to end it."""

    def __init__(self, silence_ms: int, min_speech_ms: int) -> None:
        self.silence_ms = silence_ms
        self.min_speech_ms = min_speech_ms
        self._now_ms = 0
        self.reset()

    def reset(self) -> None:
        """Forget the current utterance (the clock goes on)."""
        self._state = _State.QUIET
        self.utterance_start_ms = 0  # where the last candidate or utterance began; kept once it has stopped
        self._speech_ms = 0
        self._gap_ms = 0
        self._speech_end_ms = 0
        self._silence_from: int | None = None
        self._paused = False

    @property
    def now_ms(self) -> int:
        """The end of the audio judged so far (a partial window is still waiting)."""
        return self._now_ms

    @property
    def speaking(self) -> bool:
        return self._state is _State.SPEAKING

    @property
    def start_ms(self) -> int | None:
        """Where the current candidate or utterance began."""
        return None if self._state is _State.QUIET else self.utterance_start_ms

    def push(self, probability: float) -> TurnEvent | None:
        """One 32 ms window's speech probability; at most one event per window."""
        at = self._now_ms
        self._now_ms += WINDOW_MS
        if self._state is _State.QUIET:
            if probability >= THRESHOLD:
                self._state, self.utterance_start_ms, self._speech_ms, self._gap_ms = _State.CANDIDATE, at, 0, 0
                return self._candidate(probability, at)
            return None
        if self._state is _State.CANDIDATE:
            return self._candidate(probability, at)
        return self._speaking(probability, at)

    def _candidate(self, probability: float, at: int) -> TurnEvent | None:
        if probability >= NEG_THRESHOLD:
            self._speech_ms += WINDOW_MS
            self._gap_ms = 0
            self._speech_end_ms = at + WINDOW_MS
            if self._speech_ms >= self.min_speech_ms:
                self._state, self._silence_from, self._paused = _State.SPEAKING, None, False
                return TurnEvent("started", self.utterance_start_ms)
            return None
        self._gap_ms += WINDOW_MS
        if self._gap_ms > BRIDGE_MS:
            self._state = _State.QUIET
        return None

    def _speaking(self, probability: float, at: int) -> TurnEvent | None:
        if probability >= THRESHOLD:
            self._speech_end_ms = at + WINDOW_MS
            self._silence_from = None
            if self._paused:
                self._paused = False
                return TurnEvent("resumed", at)
            return None
        if probability < NEG_THRESHOLD and self._silence_from is None:
            self._silence_from = at
        if self._silence_from is None:
            return None
        silence = at + WINDOW_MS - self._silence_from
        if silence >= self.silence_ms:
            self._state = _State.QUIET
            return TurnEvent("stopped", self._speech_end_ms)
        if silence >= PAUSE_MS and not self._paused:
            self._paused = True
            return TurnEvent("paused", self._speech_end_ms)
        return None
