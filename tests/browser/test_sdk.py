"""The SDK in a page of another origin: ready, a spoken turn with lip-sync, stop, speak, errors."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest

from testkit.fakes.llm import echo_reply
from tests.browser.conftest import POLL_MS, Server, Tab

# Samples, every animation frame, the strongest viseme weight on the avatar's meshes, read from the scene.
MOUTH_PROBE = """
() => {
  window.mouth = [];
  const sample = () => {
    let strongest = 0;
    window.avatar.scene?.traverse((object) => {
      const names = object.morphTargetDictionary;
      if (!names) return;
      for (const [name, index] of Object.entries(names)) {
        if (name.startsWith('viseme_')) strongest = Math.max(strongest, object.morphTargetInfluences[index]);
      }
    });
    window.mouth.push({ state: window.avatar.state, weight: strongest });
    window.mouthFrame = requestAnimationFrame(sample);
  };
  sample();
}
"""


def open_sdk(tab: Tab, server: Server, query: str = "") -> None:
    tab.page.goto(f"{server.site}/sdk.html?{query}")
    tab.page.wait_for_function(
        "() => (window.events || []).some(e => e.name === 'ready' || e.name === 'error')", polling=POLL_MS
    )


def send(tab: Tab, text: str) -> None:
    """`avatar.send(text)` without waiting for it: its outcome lands in `window.reply`."""
    tab.page.evaluate(
        "(text) => { window.reply = undefined; window.avatar.send(text).then("
        "(reply) => { window.reply = reply; }, (error) => { window.reply = { error: error.code }; }); }",
        text,
    )


def wait_state(tab: Tab, state: str, after: int = 0) -> None:
    tab.page.wait_for_function(
        "([state, after]) => window.events.filter(e => e.name === 'stateChanged').slice(after)"
        ".some(e => e.payload === state)",
        arg=[state, after],
        polling=POLL_MS,
    )


def test_a_turn_is_spoken_with_the_mouth_moving_on_the_audio_clock(tab: Tab, server: Server) -> None:
    open_sdk(tab, server)
    assert [e["name"] for e in tab.events("error")] == []
    tab.page.wait_for_timeout(300)
    tab.shot("sdk-idle")

    tab.page.evaluate(MOUTH_PROBE)
    send(tab, "Tell me about fractions")
    wait_state(tab, "speaking")
    tab.page.wait_for_function("() => window.mouth.some(m => m.weight > 0.5)", polling=POLL_MS)
    tab.shot("sdk-speaking")
    wait_state(tab, "idle")
    tab.page.wait_for_function("() => window.mouth.at(-1).weight < 0.05", polling=POLL_MS)  # the mouth comes to rest
    tab.page.wait_for_function("() => window.reply !== undefined", polling=POLL_MS)
    stored = tab.page.evaluate("window.reply")
    mouth = tab.page.evaluate("cancelAnimationFrame(window.mouthFrame), window.mouth")

    assert stored["role"] == "assistant" and stored["content"].startswith("You said: Tell me about fractions")
    assert tab.states() == ["thinking", "speaking", "idle"]
    starts = tab.page.evaluate("window.audioStarts")
    assert len(starts) == 3  # one per sentence of the scripted reply, scheduled back to back
    assert all(b["when"] >= a["when"] + a["duration"] - 1e-3 for a, b in itertools.pairwise(starts))
    speaking = [m["weight"] for m in mouth if m["state"] == "speaking"]
    assert max(speaking) > 0.5 and len({round(w, 2) for w in speaking}) > 10  # moving, not stuck open
    assert tab.errors == [], tab.errors


@pytest.fixture
def long_story(server: Server) -> Iterator[None]:
    """A long reply, still being generated when a test stops it."""
    server.llm.reply = lambda _request: " ".join(f"This is sentence number {i} of a long story." for i in range(20))
    server.llm.token_delay = 0.05
    yield
    server.llm.reply, server.llm.token_delay = echo_reply, 0


@pytest.mark.usefixtures("long_story")
def test_stop_silences_at_once_and_nothing_starts_afterwards(tab: Tab, server: Server) -> None:
    open_sdk(tab, server)
    send(tab, "Please tell me a long story about the sea")
    tab.page.wait_for_function("() => window.audioStarts.length >= 1", polling=POLL_MS)
    tab.page.wait_for_timeout(200)
    tab.page.evaluate("window.avatar.stop()")
    stopped = tab.page.evaluate(
        "({ state: window.avatar.state, starts: window.audioStarts.length, at: performance.now() })"
    )
    assert stopped["state"] != "speaking"  # silenced synchronously, not after the sentence ends
    tab.page.wait_for_timeout(2500)  # longer than the rest of the reply would have taken to arrive
    assert tab.page.evaluate("window.audioStarts.length") == stopped["starts"]
    assert tab.states()[-1] == "idle"
    tab.page.wait_for_function("() => window.reply !== undefined", polling=POLL_MS)
    reply = tab.page.evaluate("window.reply")
    assert reply is None or reply["interrupted"] is True
    assert tab.errors == [], tab.errors


def test_speak_says_the_text_as_it_is(tab: Tab, server: Server) -> None:
    tab.page.goto(f"{server.site}/sdk.html?mode=apikey&key={server.key}&avatarId=ava")
    tab.page.wait_for_function("() => (window.events || []).some(e => e.name === 'ready')", polling=POLL_MS)
    tab.page.evaluate("window.avatar.speak('Welcome to the shop.')")
    assert len(tab.page.evaluate("window.audioStarts")) == 1
    assert tab.states() == ["speaking", "idle"]
    # An API key in a page is for demos: the SDK says so, as a warning rather than an error.
    assert tab.errors == [], tab.errors


def test_a_bad_client_token_is_an_unauthorized_error_event(tab: Tab, server: Server) -> None:
    open_sdk(tab, server, "mode=badtoken")
    errors = tab.events("error")
    assert [e["payload"]["code"] for e in errors] == ["UNAUTHORIZED"]
    assert tab.events("ready") == []
    rejected = tab.page.evaluate("window.avatar.send('hello').then(() => null, (e) => e.code)")
    assert rejected == "UNAUTHORIZED"
    time.sleep(1.5)  # a refused token is not retried: still one error
    assert len(tab.events("error")) == 1
