"""Migration 0004_message_source: messages typed before voice input existed are marked as typed."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from alembic import command

from avatarium.db.migrate import alembic_config, upgrade


def test_existing_user_messages_become_text_and_replies_have_no_source(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0001")
    user, conversation = uuid.uuid4().hex, uuid.uuid4().hex
    now = "2026-01-01 00:00:00.000000"
    with sqlite3.connect(path) as db:
        assert "source" not in [row[1] for row in db.execute("PRAGMA table_info(messages)")]
        db.execute(
            "INSERT INTO users (id, email, password_hash, tier, created_at) VALUES (?, 'a@b.c', 'x', 'free', ?)",
            (user, now),
        )
        db.execute(
            "INSERT INTO conversations (id, user_id, avatar_id, voice_id, model, status, metadata, message_count,"
            " created_at, updated_at) VALUES (?, ?, 'ava', 'v', 'm', 'active', '{}', 3, ?, ?)",
            (conversation, user, now, now),
        )
        for seq, role in enumerate(("assistant", "user", "assistant")):
            db.execute(
                "INSERT INTO messages (id, conversation_id, seq, role, content, interrupted, created_at)"
                " VALUES (?, ?, ?, ?, ?, 0, ?)",
                (uuid.uuid4().hex, conversation, seq, role, f"{role} {seq}", now),
            )

    upgrade(url, "0004_message_source")

    with sqlite3.connect(path) as db:
        assert db.execute("SELECT role, source FROM messages ORDER BY seq").fetchall() == [
            ("assistant", None),
            ("user", "text"),
            ("assistant", None),
        ]
    command.downgrade(alembic_config(url), "0001")
    with sqlite3.connect(path) as db:
        assert "source" not in [row[1] for row in db.execute("PRAGMA table_info(messages)")]
