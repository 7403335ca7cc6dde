"""The avatar's own voice heard back through the user's microphone, recognised by its words."""

from __future__ import annotations

import re
import time
from collections import deque
from difflib import SequenceMatcher

WINDOW_SECONDS = 30.0  # how long what the avatar said may still come back (its audio plays after it is sent)
MIN_WORDS = 3  # shorter utterances ("yes", "stop") are the user's: they match anything by chance
MATCH = 0.7  # share of the heard words found, in order, in what the avatar said


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class EchoGuard:
    """Without echo cancellation on the client, the avatar would answer its own sentences forever."""

    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self._window = window
        self._said: deque[tuple[float, list[str]]] = deque()

    def said(self, text: str) -> None:
        self._said.append((time.monotonic(), words(text)))

    def is_echo(self, heard: str) -> bool:
        heard_words = words(heard)
        if len(heard_words) < MIN_WORDS:
            return False
        horizon = time.monotonic() - self._window
        while self._said and self._said[0][0] < horizon:
            self._said.popleft()
        recent = [word for _, said in self._said for word in said]
        if not recent:
            return False
        matcher = SequenceMatcher(None, recent, heard_words, autojunk=False)
        found = sum(block.size for block in matcher.get_matching_blocks())
        return found >= MATCH * len(heard_words)
