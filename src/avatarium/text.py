"""Text for speech: sentence chunking of streamed replies and cleaning of unspeakable characters."""

from __future__ import annotations

import re
import unicodedata

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "u.s",
        "u.k",
        "inc",
        "ltd",
        "co",
        "dept",
        "approx",
        "fig",
        "no",
        "vol",
        "mt",
        "ft",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
_TERMINATORS = ".!?…"
_CLOSERS = "\"')]}»”’"
_SOFT_BREAKS = re.compile(r"[,;:—–-]\s")
MAX_SENTENCE_CHARS = 220
# The first piece of a spoken reply may end at a clause break once it has this many words: its audio
# starts sooner, and it lasts long enough (about a second) for the rest of the sentence to follow.
FIRST_CLAUSE_WORDS = 4


def _speakable_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cc":  # control characters (U+0000 included) stop or confuse synthesisers; line breaks are pauses
        return " "
    if category[0] == "S" or category[0] == "C":  # symbols and emoji would be read out by name; format, private
        return ""
    return char


def speakable(text: str) -> str:
    """What a synthesiser should be given: letters, digits and punctuation, without symbols or control characters.

    Every engine, embedded or vendor, gets its text through here.
    """
    return re.sub(r"\s+", " ", "".join(_speakable_char(c) for c in text)).strip()


def has_words(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _ends_sentence(buffer: str, index: int) -> bool:
    """Whether the terminator at `index` (followed by white space) closes a sentence."""
    char = buffer[index]
    following = buffer[index + 1 :].lstrip(_CLOSERS).lstrip()
    if following and following[0].islower():  # '"Quoted!" she said', 'wait... what'
        return False
    if char in "!?…":
        return True
    if index >= 2 and buffer[index - 2 : index + 1] == "...":
        return bool(following)  # an ellipsis ends a sentence only when a capital follows
    word = re.search(r"([\w.]+)$", buffer[:index])
    token = word.group(1).lower() if word else ""
    is_initial = len(token) == 1 and token.isalpha()  # "J. K. Rowling"
    return token not in ABBREVIATIONS and not is_initial


class SentenceChunker:
    """Cuts a stream of text deltas into sentences as soon as each one is complete.

    With `first_clause_words`, the first piece ends at the first clause break (comma,
    semicolon, colon, dash) that has at least that many words before it, if one comes
    before the end of the first sentence.
    """

    def __init__(self, max_chars: int = MAX_SENTENCE_CHARS, first_clause_words: int | None = None) -> None:
        self._buffer = ""
        self._max = max_chars
        self._first_clause_words = first_clause_words

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        sentences: list[str] = []
        while True:
            cut = self._next_cut()
            if cut is None:
                break
            sentence, self._buffer = self._buffer[:cut].strip(), self._buffer[cut:].lstrip()
            if sentence:
                sentences.append(sentence)
        return sentences

    def flush(self) -> str | None:
        rest, self._buffer = self._buffer.strip(), ""
        return rest or None

    def _next_cut(self) -> int | None:
        sentence = self._sentence_cut(self._buffer)
        if self._first_clause_words is None:
            return sentence
        clause = self._clause_cut(
            self._buffer[:sentence] if sentence is not None else self._buffer, self._first_clause_words
        )
        if clause is not None or sentence is not None:
            self._first_clause_words = None  # only the first piece of a reply
        return clause if clause is not None else sentence

    @staticmethod
    def _clause_cut(text: str, min_words: int) -> int | None:
        for soft_break in _SOFT_BREAKS.finditer(text):
            if len(text[: soft_break.start()].split()) >= min_words:
                return soft_break.start() + 1
        return None

    def _sentence_cut(self, buffer: str) -> int | None:
        for i, char in enumerate(buffer):
            if char not in _TERMINATORS:
                continue
            end = i + 1
            while end < len(buffer) and buffer[end] in _CLOSERS + _TERMINATORS:
                end += 1
            if end >= len(buffer) or not buffer[end].isspace():
                continue  # wait for what follows: "3.14", "...", "U.S."
            if _ends_sentence(buffer, end - 1 if buffer[end - 1] not in _CLOSERS else i):
                return end
        if len(buffer) > self._max:
            return self._run_on_cut(buffer)
        return None

    def _run_on_cut(self, buffer: str) -> int:
        """A run-on with no sentence end: cut at the last clause break, else the last space."""
        window = buffer[: self._max]
        breaks = list(_SOFT_BREAKS.finditer(window))
        if breaks and breaks[-1].start() > self._max // 3:
            return breaks[-1].start() + 1
        space = window.rfind(" ")
        return space if space > self._max // 3 else self._max


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    chunker = SentenceChunker(max_chars)
    sentences = chunker.feed(text)
    rest = chunker.flush()
    return sentences + ([rest] if rest else [])
