"""`avatarium serve` stopped with SIGTERM: running socket turns finish (or are cut at the deadline and stored
as interrupted), sockets close with 1012 so clients reconnect elsewhere, in-flight HTTP requests finish,
new connections are refused, and the process exits (docs/decisions.md, Operations)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from testkit.fakes.server import serve
from testkit.fakes.vendors import STATE, WORDS, selfhosted
from tests.support.instances import MODEL, closed_with, events_until, instances, stopped_cleanly, terminate

REPLY = "".join(WORDS).strip()


@pytest.fixture
def model_server() -> Iterator[str]:
    """An Ollama-like server whose replies stall halfway (for `STATE.delay` seconds): a turn caught mid-way."""
    STATE.reset()
    STATE.mode = "stall"
    with serve(selfhosted.ollama()) as base:  # type: ignore[arg-type]
        yield f"{base}/v1"
    STATE.reset()


async def _conversation(http: httpx.AsyncClient, headers: dict[str, str]) -> tuple[str, str]:
    created = await http.post("/v1/conversations", json={"avatarId": "ava", "model": MODEL}, headers=headers)
    assert created.status_code == 201, created.text
    conversation_id = created.json()["data"]["id"]
    return conversation_id, str(http.base_url).rstrip("/").replace(
        "http", "ws"
    ) + f"/v1/conversations/{conversation_id}/ws"


async def _account(http: httpx.AsyncClient) -> dict[str, str]:
    registered = await http.post("/v1/auth/register", json={"email": "drain@example.com", "password": "long enough"})
    assert registered.status_code == 201, registered.text
    return {"Authorization": f"Bearer {registered.json()['data']['token']}"}


def _settings(tmp_path: Path, model_server: str, grace: float) -> dict[str, str]:
    return {
        "AVATARIUM_DATA_DIR": str(tmp_path / "data"),
        "AVATARIUM_SIGNUP_TIER": "pro",
        "AVATARIUM_COMPAT_BASE_URL": model_server,
        "AVATARIUM_SHUTDOWN_GRACE_SECONDS": str(grace),
    }


async def test_sigterm_lets_running_turns_and_requests_finish_then_closes_sockets_with_1012(
    tmp_path: Path, model_server: str
) -> None:
    STATE.delay = 3
    with instances(1, tmp_path, **_settings(tmp_path, model_server, grace=30)) as [served]:
        async with httpx.AsyncClient(base_url=served.url, timeout=60) as http:
            auth = await _account(http)
            _talking_id, talking_url = await _conversation(http, auth)
            _idle_id, idle_url = await _conversation(http, auth)
            other_id, _ = await _conversation(http, auth)
            async with (
                connect(talking_url, additional_headers=auth) as talking,
                connect(idle_url, additional_headers=auth) as idle,
            ):
                await events_until(talking, "ready")
                await events_until(idle, "ready")
                await talking.send('{"type": "message", "content": "Tell me a story", "audio": false}')
                await events_until(talking, "reply.delta")  # the reply has started, and stalls halfway
                in_flight = asyncio.create_task(
                    http.post(f"/v1/conversations/{other_id}/messages", json={"content": "Hi"}, headers=auth)
                )
                while STATE.calls.get("ollama", 0) < 2:  # the HTTP turn has reached the model too
                    await asyncio.sleep(0.05)
                terminate(served)

                idle_code, idle_reason, _ = await closed_with(idle)
                assert idle_code == 1012 and "restart" in idle_reason  # an idle socket leaves at once...
                code, reason, events = await closed_with(talking)  # ...a talking one once its turn is done
                assert (code, reason) == (idle_code, idle_reason)
                kinds = [e["type"] for e in events]
                assert kinds[-2:] == ["reply.done", "state"] and "error" not in kinds
                done = events[-2]["message"]
                assert done["content"] == REPLY and done["interrupted"] is False

                answered = await in_flight
                assert answered.status_code == 201 and answered.json()["data"]["reply"]["content"] == REPLY
                with pytest.raises(httpx.ConnectError):  # the listener is closed: the balancer goes elsewhere
                    await http.get("/health")
        assert stopped_cleanly(served)
    errors = (tmp_path / "instance-0.log").read_text()
    assert "Traceback" not in errors


async def test_a_turn_still_running_at_the_deadline_is_cut_and_stored_as_interrupted(
    tmp_path: Path, model_server: str
) -> None:
    STATE.delay = 120
    with instances(1, tmp_path, **_settings(tmp_path, model_server, grace=1)) as [served]:
        async with httpx.AsyncClient(base_url=served.url, timeout=60) as http:
            auth = await _account(http)
            conversation_id, url = await _conversation(http, auth)
            async with connect(url, additional_headers=auth) as ws:
                await events_until(ws, "ready")
                await ws.send('{"type": "message", "content": "Tell me a story", "audio": false}')
                await events_until(ws, "reply.delta")
                terminate(served)
                code, _reason, events = await closed_with(ws)
        assert code == 1012
        done = next(e["message"] for e in events if e["type"] == "reply.done")
        assert done["interrupted"] is True and REPLY.startswith(done["content"]) and done["content"] != REPLY
        assert stopped_cleanly(served, timeout=30)

    # What was cut is stored: the next instance on the same data serves it.
    with instances(1, tmp_path, **_settings(tmp_path, model_server, grace=1)) as [again]:
        stored = httpx.get(f"{again.url}/v1/conversations/{conversation_id}", headers=auth, timeout=30)
    assert stored.json()["data"]["messages"][-1] == done
