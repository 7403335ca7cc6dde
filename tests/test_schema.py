"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from avatarium.db.engine import make_engine
from avatarium.db.models import Base


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)

    def differences(connection: Any) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
    await engine.dispose()
