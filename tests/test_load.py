"""Concurrent writers against a real server: nothing is lost, nothing fails, counts stay exact."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from avatarium.app import create_app
from avatarium.config import Settings
from testkit.fakes.server import serve
from tests.conftest import make_providers, new_account, set_tier_elsewhere

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, jwt_secret="s" * 40, anonymous_rate_limit=10_000
    )
    with serve(create_app(settings, make_providers())) as base:
        yield base


async def test_concurrent_conversations_and_messages(server: str, database_url: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        account = await new_account(http)
        await set_tier_elsewhere(database_url, account.email, "enterprise", 100_000)

        async def conversation_with_messages(n: int) -> str:
            created = await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=account.key_headers)
            assert created.status_code == 201, created.text
            conversation_id: str = created.json()["data"]["id"]
            for i in range(3):
                sent = await http.post(
                    f"/v1/conversations/{conversation_id}/messages",
                    json={"content": f"conversation {n} message {i}"},
                    headers=account.key_headers,
                )
                assert sent.status_code == 201, sent.text
            return conversation_id

        ids = await asyncio.gather(*(conversation_with_messages(n) for n in range(20)))
        # Several writers on one conversation: positions stay unique and complete.
        shared = ids[0]
        replies = await asyncio.gather(
            *(
                http.post(
                    f"/v1/conversations/{shared}/messages", json={"content": f"race {i}"}, headers=account.key_headers
                )
                for i in range(10)
            )
        )
        assert all(r.status_code == 201 for r in replies)
        for conversation_id in ids:
            data = (await http.get(f"/v1/conversations/{conversation_id}", headers=account.key_headers)).json()["data"]
            expected = 1 + 3 * 2 + (10 * 2 if conversation_id == shared else 0)
            assert data["messageCount"] == expected == len(data["messages"])
        listed = (await http.get("/v1/conversations", params={"limit": 100}, headers=account.key_headers)).json()
        assert len(listed["data"]) == 20
