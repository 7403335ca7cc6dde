"""The SDK across a server restart, and voice input against whatever the server supports."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.db.migrate import upgrade
from testkit.fakes.server import free_port, serve
from tests.browser.conftest import POLL_MS, Server, Tab, outside_loop
from tests.conftest import make_providers

# Loads the SDK into a page of the server itself (evaluate is not bound by the page's CSP).
START = """
async ([conversationId, clientToken, backendJwt]) => {
  const { Avatarium } = await import('/sdk/avatarium.js');
  const element = document.createElement('div');
  element.style.width = element.style.height = '200px';
  document.body.append(element);
  window.events = [];
  window.renewals = 0;
  // What an app's backend does for the page (here from the page itself, for brevity).
  const getClientToken = async (id) => {
    window.renewals += 1;
    const response = await fetch(`/v1/conversations/${id}/client-token`, {
      method: 'POST', headers: { Authorization: `Bearer ${backendJwt}` },
    });
    return (await response.json()).data.clientToken;
  };
  const options = { conversationId, clientToken, ...(backendJwt ? { getClientToken } : {}) };
  window.avatar = new Avatarium(element, options);
  for (const name of ['ready', 'stateChanged', 'message', 'error']) {
    window.avatar.on(name, (payload) => window.events.push({ name, payload }));
  }
}
"""


@pytest.mark.parametrize("token_expires", [False, True], ids=["token-valid", "token-expired-meanwhile"])
def test_the_sdk_reconnects_after_a_server_restart_and_keeps_the_conversation(
    tab: Tab, tmp_path: Path, token_expires: bool
) -> None:
    """When the client token expired while the server was away, the SDK asks the page for a fresh one."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'restart.db'}"
    outside_loop(lambda: upgrade(database))
    ttl = {"client_token_ttl_seconds": 2} if token_expires else {}
    settings = Settings(data_dir=tmp_path / "data", database_url=database, jwt_secret="restart-" + "x" * 32, **ttl)
    port = free_port()
    with serve(create_app(settings, make_providers()), port) as url:
        email = f"restart-{uuid.uuid4().hex[:8]}@example.com"
        jwt = httpx.post(f"{url}/v1/auth/register", json={"email": email, "password": "correct horse"})
        auth = {"Authorization": f"Bearer {jwt.json()['data']['token']}"}
        created = httpx.post(f"{url}/v1/conversations", json={"avatarId": "sam"}, headers=auth).json()["data"]
        tab.page.goto(url + "/")
        backend_jwt = auth["Authorization"].removeprefix("Bearer ") if token_expires else None
        tab.page.evaluate(START, [created["id"], created["clientToken"], backend_jwt])
        tab.page.wait_for_function("() => window.events.some(e => e.name === 'ready')", polling=POLL_MS)
        first = tab.page.evaluate("window.avatar.send('Before the restart').then(m => m.content)")
        assert first.startswith("You said: Before the restart")

    # Stopped: the socket closed (1012 "service restart", or 1006); the SDK keeps trying, quietly.
    tab.page.wait_for_function("() => !window.avatar.connection.open", polling=POLL_MS)
    tab.page.evaluate("() => { window.pending = window.avatar.send('After the restart'); }")  # not awaited
    if token_expires:
        time.sleep(3)
    with serve(create_app(settings, make_providers()), port):
        second = tab.page.evaluate("window.pending.then(m => m.content)")
        assert second.startswith("You said: After the restart")
        history = httpx.get(f"{url}/v1/conversations/{created['id']}", headers=auth).json()["data"]["messages"]
    contents = [m["content"] for m in history if m["role"] == "user"]
    assert contents == ["Before the restart", "After the restart"]
    assert [e for e in tab.events("error")] == []
    renewals = tab.page.evaluate("window.renewals")
    assert renewals >= 1 if token_expires else renewals == 0  # (also at the start, on a slow machine)
    assert tab.errors == [] or all("WebSocket" in e for e in tab.errors), tab.errors


def test_start_listening_streams_the_microphone_or_reports_why_not(tab: Tab, server: Server) -> None:
    """With voice input on the server, the state becomes `listening`; without, an error event and a rejection
    carry the server's code. Chromium's fake microphone stands in for a real one."""
    tab.page.goto(f"{server.site}/sdk.html")
    tab.page.wait_for_function("() => (window.events || []).some(e => e.name === 'ready')", polling=POLL_MS)
    outcome = tab.page.evaluate("window.avatar.startListening().then(() => 'listening', (e) => e.code)")
    if outcome == "listening":
        assert tab.states()[-1] == "listening"
        tab.page.evaluate("window.avatar.stopListening()")
        assert tab.states()[-1] != "listening"  # idle, or thinking if the fake microphone's tone made a turn
    else:
        assert [e["payload"]["code"] for e in tab.events("error")] == [outcome]
        assert "listening" not in tab.states()
        # The conversation goes on by text.
        reply = tab.page.evaluate("window.avatar.send('Can you hear me?').then(m => m.content)")
        assert reply.startswith("You said: Can you hear me?")
