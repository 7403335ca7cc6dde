"""A first session on `make run`: the README's walk-through, then ten turns over a socket, and no 429."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.db.migrate import upgrade
from testkit.fakes.server import serve
from tests.conftest import make_providers

MAKEFILE = Path(__file__).parents[1] / "Makefile"
TURNS = 10


def make_run_signup_tier() -> str:
    match = re.search(r"^SIGNUP_TIER \?= (\w+)$", MAKEFILE.read_text(), re.MULTILINE)
    assert match, "the Makefile sets no SIGNUP_TIER for make run"
    return match.group(1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A server as `make run` starts it (with the scripted model)."""
    settings = Settings(data_dir=tmp_path, jwt_secret="s" * 40, signup_tier=make_run_signup_tier())
    upgrade(settings.resolved_database_url)
    with serve(create_app(settings, make_providers())) as base:
        yield base


async def test_the_readme_walkthrough_and_ten_socket_turns_fit_the_tier_make_run_gives(server: str) -> None:
    async with httpx.AsyncClient(base_url=server + "/v1", timeout=60) as http:
        credentials = {"email": "me@example.com", "password": "a long password"}
        token = (await http.post("/auth/register", json=credentials)).json()["data"]["token"]
        jwt = {"Authorization": f"Bearer {token}"}
        key = (await http.post("/api-keys", json={"name": "my app"}, headers=jwt)).json()["data"]["key"]
        auth = {"Authorization": f"Bearer {key}"}
        created = await http.post("/conversations", json={"avatarId": "kai", "personaId": "math-tutor"}, headers=auth)
        conversation = created.json()["data"]
        content = {"content": "Can you help me with fractions?", "audio": True}
        message = await http.post(f"/conversations/{conversation['id']}/messages", json=content, headers=auth)
        speech = await http.post("/tts", json={"text": "Hello from Avatarium."}, headers=auth | {"Accept": "audio/wav"})
        assert [created.status_code, message.status_code, speech.status_code] == [201, 201, 200]

        errors = []
        async with connect(conversation["wsUrl"], additional_headers=auth) as ws:
            for turn in range(TURNS):
                await ws.send(json.dumps({"type": "message", "content": f"Turn {turn}", "audio": False}))
                event = {"type": ""}
                while event["type"] not in ("reply.done", "error"):
                    event = json.loads(await asyncio.wait_for(ws.recv(), 60))
                errors += [event["error"]] if event["type"] == "error" else []
    assert errors == []
