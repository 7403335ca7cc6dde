"""Recognising the avatar's own voice heard back through the microphone, by when and what it said."""

from __future__ import annotations

from avatarium.voice.echo import EchoGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_avatars_words_heard_while_it_speaks_are_echo_even_misheard() -> None:
    clock = Clock()
    guard = EchoGuard(clock)
    guard.said("Would you like to hear a story about a dragon?", 2500)
    began = guard.began() + 0.3
    clock.now += 3
    assert guard.is_echo("would you like to hear a story about the dragon", began)
    assert guard.is_echo("a story about a dragon", began)


def test_the_user_is_never_echo_when_the_words_differ_or_are_few() -> None:
    clock = Clock()
    guard = EchoGuard(clock)
    guard.said("Would you like to hear a story about a dragon?", 2500)
    began = guard.began() + 0.5
    assert not guard.is_echo("no thanks, tell me about the weather instead", began)
    assert not guard.is_echo("a dragon", began)  # short answers are the user's


def test_repeating_the_avatars_words_after_it_finished_is_the_user() -> None:
    clock = Clock()
    guard = EchoGuard(clock)
    guard.said("Would you like to hear a story", 1500)
    guard.said("about a dragon?", 1000)  # queued behind the first: plays until 2.5 s from now
    clock.now += 2.5 + 1.5
    assert not guard.is_echo("I want to hear a story about a dragon", guard.began())
    assert guard.is_echo("I want to hear a story about a dragon", guard.began() - 1.9)


def test_what_was_said_long_ago_is_forgotten() -> None:
    clock = Clock()
    guard = EchoGuard(clock)
    guard.said("The ocean covers most of our planet.", 2000)
    clock.now += 40
    guard.said("Anything else?", 1000)
    assert not guard.is_echo("the ocean covers most of our planet", guard.began())
