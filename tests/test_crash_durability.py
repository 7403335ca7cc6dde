"""`avatarium serve` killed with SIGKILL during concurrent writes loses nothing it acknowledged.

Writers create conversations, send messages (answered by the embedded model) and end
conversations until the server has acknowledged some of each; then the server is killed
mid-run, with writes in flight. The database must pass its integrity check as the crash left
it, and once the server is restarted on the same data every acknowledged write must be there.
On SQLite (its own file in the data directory) and on PostgreSQL with Redis.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from avatarium.db.engine import make_engine
from tests.conftest import Account, new_account
from tests.support import postgres
from tests.support.cli import Served, environment, serving
from tests.support.redis import redis_url

WRITERS = 6
# Killed once at least this much has been acknowledged: conversations, message turns, ends.
ENOUGH = {"conversations": 8, "turns": 3, "ends": 2}
WRITE_BOUND_SECONDS = 120  # a bound on the run, never reached on a working server


@dataclass
class Acknowledged:
    conversations: set[str] = field(default_factory=set)
    turns: dict[str, set[str]] = field(default_factory=dict)  # conversation → ids of its stored messages
    ends: dict[str, str] = field(default_factory=dict)  # conversation → endedAt

    def enough(self) -> bool:
        turns = sum(len(ids) // 2 for ids in self.turns.values())
        counts = {"conversations": len(self.conversations), "turns": turns, "ends": len(self.ends)}
        return all(counts[name] >= least for name, least in ENOUGH.items())


@dataclass(frozen=True)
class Store:
    env: dict[str, str]
    database_url: str
    sqlite_file: Path | None


@pytest.fixture(params=["sqlite", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    data = tmp_path / "data"
    base = environment(tmp_path, AVATARIUM_DATA_DIR=str(data), AVATARIUM_SIGNUP_TIER="enterprise")
    if request.param == "sqlite":
        database = data / "avatarium.db"
        yield Store(base, f"sqlite+aiosqlite:///{database}", database)
        return
    with postgres.fresh_database() as url:
        env = base | {"AVATARIUM_DATABASE_URL": url, "AVATARIUM_REDIS_URL": redis_url(9)}
        yield Store(env, url, None)


async def write(http: httpx.AsyncClient, account: Account, n: int, acked: Acknowledged) -> None:
    """Conversations, each with a message, every second one ended, until a request fails (the server died)."""
    headers = account.key_headers
    try:
        while True:
            created = await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=headers)
            assert created.status_code == 201, created.text
            conversation = created.json()["data"]["id"]
            acked.conversations.add(conversation)
            path = f"/v1/conversations/{conversation}/messages"
            turn = await http.post(path, json={"content": f"Say hi {n}"}, headers=headers)
            assert turn.status_code == 201, turn.text
            stored = turn.json()["data"]
            acked.turns[conversation] = {stored["message"]["id"], stored["reply"]["id"]}
            if len(acked.conversations) % 2:
                ended = await http.post(f"/v1/conversations/{conversation}/end", headers=headers)
                assert ended.status_code == 200, ended.text
                acked.ends[conversation] = ended.json()["data"]["endedAt"]
    except httpx.TransportError:
        return  # the server was killed: what was in flight was never acknowledged


async def run_until_killed(served: Served, account: Account) -> Acknowledged:
    acked = Acknowledged()
    async with httpx.AsyncClient(base_url=served.url, timeout=WRITE_BOUND_SECONDS) as http:
        writers = [asyncio.create_task(write(http, account, n, acked)) for n in range(WRITERS)]
        async with asyncio.timeout(WRITE_BOUND_SECONDS):
            while not acked.enough():
                await asyncio.sleep(0.05)
                for writer in writers:
                    if writer.done():
                        writer.result()  # a writer that failed otherwise fails the test
        served.process.kill()  # SIGKILL, with requests in flight
        served.process.wait()
        await asyncio.gather(*writers)
    return acked


async def consistency(database_url: str) -> list[Any]:
    """Conversations whose message count, message sequence or end disagree with their rows."""
    engine = make_engine(database_url)
    query = text(
        "SELECT c.id FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id"
        " GROUP BY c.id, c.message_count, c.status, c.ended_at"
        " HAVING COUNT(m.id) <> c.message_count OR COALESCE(MAX(m.seq), -1) <> c.message_count - 1"
        " OR (c.status = 'ended') <> (c.ended_at IS NOT NULL)"
    )
    async with engine.connect() as connection:
        rows = list((await connection.execute(query)).all())
        orphans = (
            await connection.execute(
                text("SELECT COUNT(*) FROM messages WHERE conversation_id NOT IN (SELECT id FROM conversations)")
            )
        ).scalar_one()
    await engine.dispose()
    return [*rows, *(["orphaned messages"] if orphans else [])]


async def test_acknowledged_writes_survive_a_kill(where: Store, tmp_path: Path) -> None:
    with serving("--port", "0", env=where.env, stderr=tmp_path / "first.log") as served:
        async with httpx.AsyncClient(base_url=served.url, timeout=60) as http:
            account = await new_account(http)
        acked = await run_until_killed(served, account)
    assert served.process.returncode == -9

    if where.sqlite_file is not None:
        with closing(sqlite3.connect(where.sqlite_file)) as crashed:
            assert crashed.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert crashed.execute("PRAGMA foreign_key_check").fetchall() == []
    assert await consistency(where.database_url) == []

    with serving("--port", "0", env=where.env, stderr=tmp_path / "second.log") as restarted:
        async with httpx.AsyncClient(base_url=restarted.url, timeout=60) as http:
            for conversation in acked.conversations:
                read = await http.get(f"/v1/conversations/{conversation}", headers=account.key_headers)
                assert read.status_code == 200, read.text
                data = read.json()["data"]
                stored = {message["id"] for message in data["messages"]}
                assert acked.turns.get(conversation, set()) <= stored
                if conversation in acked.ends:
                    assert (data["status"], data["endedAt"]) == ("ended", acked.ends[conversation])
    assert await consistency(where.database_url) == []
