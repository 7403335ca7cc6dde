"""Fresh PostgreSQL databases for tests, cloned from a migrated template (local server, trust auth)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from avatarium.db.migrate import upgrade

SERVER = os.environ.get("AVATARIUM_TEST_POSTGRES", "postgres@127.0.0.1:5432")
TEMPLATE = f"avatarium_template_{os.getpid()}"
_template_ready = False


def _url(database: str, driver: str = "postgresql") -> str:
    return f"{driver}://{SERVER}/{database}"


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(_url("postgres"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _ensure_template() -> None:
    global _template_ready
    if _template_ready:
        return
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE}"'))
    asyncio.run(_admin(f'CREATE DATABASE "{TEMPLATE}"'))
    upgrade(_url(TEMPLATE, "postgresql+asyncpg"))
    _template_ready = True


@contextmanager
def fresh_database(migrated: bool = True) -> Iterator[str]:
    """A database of its own (migrated to the latest revision unless asked not to), dropped afterwards."""
    name = f"avatarium_test_{uuid.uuid4().hex[:12]}"
    if migrated:
        _ensure_template()
        asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
    else:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _url(name, "postgresql+asyncpg")
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
