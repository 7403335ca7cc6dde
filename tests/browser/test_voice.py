"""Voice input end to end in the browser: Chromium's fake microphone plays a spoken question into
`startListening()`, and the server hears it, stores it as a voice message and answers it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright

from testkit.chromium import CHROMIUM
from testkit.speech import encode, heard, silence, spoken
from tests.browser.conftest import FLAGS, POLL_MS, Server, Tab, outside_loop

QUESTION = "What is the capital of France?"
CAPTURE_RATE = 48_000

# The SDK in a page of the server itself, on a conversation of the site's account (a client token only).
START = """
async ([conversationId, clientToken]) => {
  const { Avatarium } = await import('/sdk/avatarium.js');
  const element = document.createElement('div');
  element.style.width = element.style.height = '200px';
  document.body.append(element);
  window.events = [];
  window.avatar = new Avatarium(element, { conversationId, clientToken });
  for (const name of ['ready', 'stateChanged', 'transcript', 'message', 'error']) {
    window.avatar.on(name, (payload) => window.events.push({ name, payload }));
  }
}
"""


@pytest.fixture(scope="module")
def question_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The question, then enough silence for the turn to end before Chromium plays the file again."""
    path = tmp_path_factory.mktemp("microphone") / "question.wav"

    def write() -> None:
        pcm = silence(500, CAPTURE_RATE) + asyncio.run(spoken(QUESTION, CAPTURE_RATE)) + silence(4000, CAPTURE_RATE)
        path.write_bytes(encode(pcm, CAPTURE_RATE, "wav"))

    outside_loop(write)
    return path


@pytest.fixture(scope="module")
def speaking_browser(playwright: Playwright, question_wav: Path) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*FLAGS, f"--use-file-for-fake-audio-capture={question_wav}"]
    )
    yield chromium
    chromium.close()


def test_a_question_spoken_into_the_microphone_is_heard_stored_and_answered(
    speaking_browser: Browser, server: Server
) -> None:
    context = speaking_browser.new_context()
    page = context.new_page()
    page.set_default_timeout(60_000)
    tab = Tab(page, [], [])
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    try:
        created = server.api("POST", "/v1/conversations", json={"avatarId": "kai"}).json()["data"]
        page.goto(server.url + "/")
        page.evaluate(START, [created["id"], created["clientToken"]])
        page.wait_for_function("() => window.events.some(e => e.name === 'ready')", polling=POLL_MS)
        page.evaluate("window.avatar.startListening()")
        assert "listening" in tab.states()
        page.wait_for_function("() => window.events.some(e => e.name === 'transcript')", polling=POLL_MS)
        transcript = tab.events("transcript")[0]["payload"]["text"]
        assert heard(transcript, QUESTION), transcript
        page.wait_for_function(
            "() => window.events.some(e => e.name === 'message' && e.payload.message.role === 'assistant'"
            " && e.payload.message.content.startsWith('You said'))",
            polling=POLL_MS,
        )
        page.evaluate("window.avatar.stopListening()")
        stored = server.api("GET", f"/v1/conversations/{created['id']}").json()["data"]["messages"]
        spoken_messages = [m for m in stored if m["role"] == "user"]
        assert spoken_messages and spoken_messages[0]["source"] == "voice"
        assert heard(spoken_messages[0]["content"], QUESTION)
        assert [e for e in tab.events("error")] == []
        assert tab.errors == []
    finally:
        context.close()


def test_the_fake_microphone_file_is_speech(question_wav: Path, server: Server) -> None:
    """The recording itself is transcribed as the question (so a failure above is the browser path's)."""
    wav = question_wav.read_bytes()
    answer = httpx.post(
        server.url + "/v1/stt",
        content=wav,
        headers={"Authorization": f"Bearer {server.key}", "Content-Type": "audio/wav"},
        timeout=60,
    )
    assert heard(answer.json()["data"]["text"], QUESTION)
