"""The avatar's own voice heard back through the user's microphone, recognised by its timing and words."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from difflib import SequenceMatcher

WINDOW_SECONDS = 30.0  # what the avatar said longer ago than this is forgotten
# After the last audio should have finished playing: the client's buffering and the way back.
GRACE_SECONDS = 1.0
MIN_WORDS = 3  # shorter utterances ("yes", "stop") are the user's: they match anything by chance
MATCH = 0.7  # share of the heard words found, in order, in what the avatar said


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class EchoGuard:
    """Without echo cancellation on the client, the avatar would answer its own sentences forever.

    An utterance is the avatar's echo when it began while the avatar's audio was playing (as
    far as the server can tell: each `audio` plays after the one before, from when it was sent)
    and its words are, mostly and in order, words of that audio. A user who repeats the avatar's
    words once it has finished is answered.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._said: deque[tuple[float, list[str]]] = deque()
        self._playing_until = 0.0

    def said(self, text: str, duration_ms: int) -> None:
        """The avatar's audio with these words was sent to the client now."""
        now = self._clock()
        self._playing_until = max(now, self._playing_until) + duration_ms / 1000
        self._said.append((now, words(text)))

    def began(self) -> float:
        """The time of the guard's clock, to note when an utterance begins."""
        return self._clock()

    def is_echo(self, heard: str, began: float) -> bool:
        """`began`: when the utterance began, from `began()`."""
        heard_words = words(heard)
        if len(heard_words) < MIN_WORDS or began > self._playing_until + GRACE_SECONDS:
            return False
        horizon = self._clock() - WINDOW_SECONDS
        while self._said and self._said[0][0] < horizon:
            self._said.popleft()
        recent = [word for _, said in self._said for word in said]
        matcher = SequenceMatcher(None, recent, heard_words, autojunk=False)
        found = sum(block.size for block in matcher.get_matching_blocks())
        return found >= MATCH * len(heard_words)
