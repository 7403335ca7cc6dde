"""The sentence chunker and the cleaning of text for speech."""

from __future__ import annotations

import pytest

from avatarium.text import SentenceChunker, has_words, speakable, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Hello there. How are you? Fine!", ["Hello there.", "How are you?", "Fine!"]),
        ("Dr. Smith met Mrs. Jones at 3 p.m. today.", ["Dr. Smith met Mrs. Jones at 3 p.m. today."]),
        ("Pi is about 3.14159. That is all.", ["Pi is about 3.14159.", "That is all."]),
        ("It costs $4.50, e.g. a coffee. Cheap.", ["It costs $4.50, e.g. a coffee.", "Cheap."]),
        ("J. K. Rowling wrote it. Yes.", ["J. K. Rowling wrote it.", "Yes."]),
        ("Wait... what? Well... Maybe.", ["Wait... what?", "Well...", "Maybe."]),
        ('"Stop!" she said. Then left.', ['"Stop!" she said.', "Then left."]),
        ("He said (quietly.) Then went.", ["He said (quietly.)", "Then went."]),
        ("No punctuation at all", ["No punctuation at all"]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_chunker_emits_each_sentence_as_soon_as_it_is_complete() -> None:
    chunker = SentenceChunker()
    assert chunker.feed("Hello") == []
    assert chunker.feed(" there.") == []  # could still be "there.com" or "3.5"
    assert chunker.feed(" How") == ["Hello there."]
    assert chunker.feed(" are you?") == []
    assert chunker.feed(" I") == ["How are you?"]
    assert chunker.flush() == "I"
    assert chunker.flush() is None


def test_run_on_text_is_cut_by_length_at_a_clause_or_word() -> None:
    text = "and then " * 40 + "we went home, tired but happy " + "and then " * 10
    pieces = split_sentences(text, max_chars=120)
    assert all(len(p) <= 120 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_speakable_drops_symbols_keeps_words() -> None:
    assert speakable("Great job 🎉! 👍") == "Great job !"
    assert not has_words(speakable("😀 ... !!!"))
    assert has_words(speakable("42"))


def test_the_first_piece_of_a_reply_ends_at_a_clause_break_once_it_has_a_few_words() -> None:
    chunker = SentenceChunker(first_clause_words=4)
    assert chunker.feed("Sure, the capital of France") == []  # "Sure," is too short to be said alone
    assert chunker.feed(" is Paris,") == []  # a break is one only once white space follows: "1,000"
    assert chunker.feed(" a city") == ["Sure, the capital of France is Paris,"]
    assert chunker.feed(" of lights; it is lovely, and") == []  # later pieces are whole sentences
    assert chunker.feed(" old. Yes") == ["a city of lights; it is lovely, and old."]
    assert chunker.flush() == "Yes"


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Yes. Paris is the capital, of course.", ["Yes.", "Paris is the capital, of course."]),
        ("It costs 1,000 dollars in total, roughly.", ["It costs 1,000 dollars in total,", "roughly."]),
        ("One two three four — five six.", ["One two three four —", "five six."]),
        ("Well, well, well.", ["Well, well, well."]),
    ],
)
def test_only_the_first_piece_is_a_clause(text: str, pieces: list[str]) -> None:
    chunker = SentenceChunker(first_clause_words=4)
    assert [*chunker.feed(text), chunker.flush()] == pieces
