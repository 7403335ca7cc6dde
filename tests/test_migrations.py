"""Migrations keep what is stored: upgrading a database with data in it loses nothing."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from avatarium.db.migrate import upgrade
from tests.support import postgres


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "postgres":
        with postgres.fresh_database(migrated=False) as url:
            yield url
        return
    yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"


async def _execute(url: str, sql: str, **params: object) -> list[sa.Row[tuple[object, ...]]]:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        result = await connection.execute(sa.text(sql), params)
        rows = list(result.all()) if result.returns_rows else []
    await engine.dispose()
    return rows


def test_recorded_idempotent_responses_survive_the_upgrade_to_bytes(empty_database: str) -> None:
    """Migrations run outside any event loop, as `avatarium db upgrade` runs them."""
    upgrade(empty_database, "0001")
    account = uuid.uuid4()
    asyncio.run(
        _execute(
            empty_database,
            "INSERT INTO idempotency_keys (account_id, key, request_hash, status_code, response_body, created_at)"
            " VALUES (:account, 'k', 'h', 201, :body, CURRENT_TIMESTAMP)",
            account=account.hex if empty_database.startswith("sqlite") else account,
            body='{"data":{}}',
        )
    )
    upgrade(empty_database)
    [row] = asyncio.run(_execute(empty_database, "SELECT response_bytes, response_headers FROM idempotency_keys"))
    assert bytes(row[0]) == b'{"data":{}}'  # type: ignore[arg-type]
    assert "application/json" in str(row[1])


def test_messages_typed_before_voice_input_are_marked_as_typed(empty_database: str) -> None:
    upgrade(empty_database, "0002")
    sqlite = empty_database.startswith("sqlite")
    user, conversation = uuid.uuid4(), uuid.uuid4()
    ids = {"user": user.hex if sqlite else user, "conversation": conversation.hex if sqlite else conversation}
    asyncio.run(
        _execute(
            empty_database,
            "INSERT INTO users (id, email, password_hash, tier, created_at)"
            " VALUES (:user, 'a@example.com', 'x', 'free', CURRENT_TIMESTAMP)",
            user=ids["user"],
        )
    )
    asyncio.run(
        _execute(
            empty_database,
            "INSERT INTO conversations (id, user_id, avatar_id, voice_id, model, status, metadata, message_count,"
            " created_at, updated_at)"
            " VALUES (:conversation, :user, 'ava', 'v', 'm', 'active', '{}', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            **ids,
        )
    )
    for seq, role in enumerate(("assistant", "user", "assistant")):
        message = uuid.uuid4()
        asyncio.run(
            _execute(
                empty_database,
                "INSERT INTO messages (id, conversation_id, seq, role, content, interrupted, created_at)"
                " VALUES (:id, :conversation, :seq, :role, 'said', false, CURRENT_TIMESTAMP)",
                id=message.hex if sqlite else message,
                conversation=ids["conversation"],
                seq=seq,
                role=role,
            )
        )
    upgrade(empty_database, "0004_message_source")
    rows = asyncio.run(_execute(empty_database, "SELECT role, source FROM messages ORDER BY seq"))
    assert [tuple(row) for row in rows] == [("assistant", None), ("user", "text"), ("assistant", None)]
