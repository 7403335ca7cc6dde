"""What every command runs on: the settings, and the database they name."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import ValidationError
from redis.exceptions import RedisError
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium import overview
from avatarium.cache.stamps import make_stamps
from avatarium.cli.output import USAGE, fail, guarded, note
from avatarium.config import Settings
from avatarium.db.engine import make_engine, make_sessionmaker
from avatarium.db.migrate import upgrade

T = TypeVar("T")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{overview.variable_name(str(e['loc'][0])) if e['loc'] else 'configuration'}: {e['msg']}"
            for e in exc.errors()
        )
        fail(f"invalid configuration: {problems}", USAGE)


async def _initialised(settings: Settings) -> bool:
    """Whether the database exists and has been migrated; a SQLite file is not created by asking."""
    path = overview.sqlite_file(settings)
    if path is not None and not path.exists():
        return False
    engine = make_engine(settings.resolved_database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))
    finally:
        await engine.dispose()


def database_status(settings: Settings) -> str:
    """`ready`, `not created yet`, or why it cannot be reached; for reports, so it never fails."""
    try:
        return "ready" if asyncio.run(_initialised(settings)) else "not created yet"
    except Exception as exc:  # a report of a broken configuration must still be printed
        return f"unreachable ({type(exc.orig if isinstance(exc, DBAPIError) else exc).__name__})"


def _origin(settings: Settings) -> str:
    if settings.database_url:
        return "AVATARIUM_DATABASE_URL"
    if "data_dir" in settings.model_fields_set:
        return "in AVATARIUM_DATA_DIR"
    return "in the default data directory; AVATARIUM_DATA_DIR chooses another"


def open_database(*, create: bool) -> Settings:
    """The settings, once their database is migrated. Without `create`, a database that does not exist
    yet is refused rather than made empty: the operator is most likely pointing at the wrong place."""
    settings = load_settings()
    where = overview.database_location(settings)
    if not guarded(where, lambda: asyncio.run(_initialised(settings))):
        if not create:
            fail(
                f"no database at {where} yet. Point AVATARIUM_DATA_DIR (or AVATARIUM_DATABASE_URL) "
                "at the server's, or create this one with `avatarium db upgrade`"
            )
        note(f"Creating a new database: {where} ({_origin(settings)})")
    guarded(where, lambda: upgrade(settings.resolved_database_url))
    return settings


def transact(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction; the stamps of what it changed are bumped after the commit,
    so that every running server sees the change on its next request."""

    async def main() -> T:
        engine = make_engine(settings.resolved_database_url)
        stamps = make_stamps(settings.resolved_database_url, settings.redis_url)
        try:
            async with make_sessionmaker(engine, stamps).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()
            if stamps is not None:
                await stamps.close()

    try:
        return guarded(overview.database_location(settings), lambda: asyncio.run(main()))
    except RedisError as exc:  # the stamps are bumped after the commit: the change itself is saved
        fail(
            f"the change is saved, but running servers could not be told through Redis "
            f"({overview.hide_secrets(settings.redis_url or '')}: {exc}); they see it within a minute"
        )
