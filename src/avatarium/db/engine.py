"""The async engine and the per-request session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from avatarium.cache.stamps import Stamps
from avatarium.db.changes import STAMPS, PublishingSession


def make_engine(url: str, pool_size: int = 20) -> AsyncEngine:
    # Sessions and connections always end their own transactions, so the pool's extra
    # rollback on every check-in is a wasted round trip (a thread hop with aiosqlite).
    # The pool is sized for the concurrency of one worker: connections past `pool_size`
    # are closed on check-in, and opening one (TLS probe, auth, pragmas) costs far more
    # than the query it serves.
    kwargs: dict[str, Any] = {
        "pool_pre_ping": not url.startswith("sqlite"),
        "pool_reset_on_return": None,
        "pool_size": pool_size,
        "max_overflow": pool_size,
    }
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        # A database that stops answering must fail requests, not hang them (asyncpg waits forever by default).
        kwargs["connect_args"] = {"timeout": 5, "command_timeout": 60}
        kwargs["pool_timeout"] = 10
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: AsyncEngine, stamps: Stamps | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions that bump the stamps of what they changed once it is committed (see `db.changes`)."""
    return async_sessionmaker(engine, class_=PublishingSession, expire_on_commit=False, info={STAMPS: stamps})
