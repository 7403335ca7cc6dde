"""The minimal clients of docs/realtime.md, run as their readers would run them, against a real server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.db.migrate import upgrade
from testkit.fakes.server import serve
from tests.conftest import make_providers

EXAMPLES = Path(__file__).parents[1] / "examples" / "realtime"
SAID = "Tell me about the moon."
REPLY = f"You said: {SAID}. That is a good point! Tell me more about it."


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A server with the real voice and the scripted model, as a separate client would meet it."""
    settings = Settings(data_dir=tmp_path, jwt_secret="s" * 40, signup_tier="pro")
    upgrade(settings.resolved_database_url)
    with serve(create_app(settings, make_providers())) as base:
        yield base


def api_key(base: str) -> str:
    with httpx.Client(base_url=base + "/v1", timeout=30) as http:
        credentials = {"email": "client-author@example.com", "password": "a long password"}
        token = http.post("/auth/register", json=credentials).json()["data"]["token"]
        created = http.post("/api-keys", json={"name": "client"}, headers={"Authorization": f"Bearer {token}"})
        return str(created.json()["data"]["key"])


def conversations(base: str, key: str) -> list[dict]:
    with httpx.Client(base_url=base + "/v1", headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        listed = http.get("/conversations").json()["data"]
        return [http.get(f"/conversations/{c['id']}").json()["data"] for c in listed]


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603


def python_client(base: str, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, str(EXAMPLES / "client.py"), "--base-url", base, "--api-key", key, *args])


def javascript_client(base: str, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run([*node_command(), str(EXAMPLES / "client.mjs"), "--base-url", base, "--api-key", key, *args])


def node_command() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (make test installs it)")
    has_websocket = run([node, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"]).returncode == 0
    return [node] if has_websocket else [node, "--experimental-websocket"]


def assert_one_finished_turn(base: str, key: str) -> None:
    [conversation] = conversations(base, key)
    assert conversation["status"] == "ended"
    greeting, *turn = [(m["role"], m["content"]) for m in conversation["messages"]]
    assert greeting[0] == "assistant"
    assert turn == [("user", SAID), ("assistant", REPLY)]


def test_the_python_client_holds_a_spoken_turn(server: str, tmp_path: Path) -> None:
    key = api_key(server)
    out = tmp_path / "replies"
    done = run(
        [sys.executable, str(EXAMPLES / "client.py"), "--base-url", server, "--api-key", key, "--out", str(out), SAID]
    )
    assert done.returncode == 0, done.stderr
    assert REPLY in done.stdout.replace("\n", "")  # streamed as written, interleaved with the audio lines
    assert "[audio 0:" in done.stdout and "[done: first text" in done.stdout
    clips = sorted(out.glob("*.wav"))
    assert len(clips) >= 2  # one per sentence (the first may be a clause)
    for clip in clips:
        with wave.open(str(clip)) as audio:
            assert audio.getnframes() > audio.getframerate() // 10  # real speech, not an empty file
    assert_one_finished_turn(server, key)


def test_the_javascript_client_holds_a_spoken_turn_with_the_client_token_only(server: str) -> None:
    key = api_key(server)
    done = javascript_client(server, key, SAID)
    assert done.returncode == 0, done.stderr
    assert "[audio 0:" in done.stdout and "[done: first text" in done.stdout
    assert_one_finished_turn(server, key)


def test_the_clients_report_an_error_event_and_exit_1(server: str) -> None:
    key = api_key(server)
    blank = "   "  # refused by the server: content must not be blank
    for done in (python_client(server, key, blank), javascript_client(server, key, blank)):
        assert done.returncode == 1
        assert "error BAD_REQUEST: content must not be blank" in done.stderr
