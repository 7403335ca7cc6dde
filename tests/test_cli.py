"""The `avatarium` command line."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from avatarium.app import create_app
from avatarium.cli import app as cli
from avatarium.config import Settings
from tests.conftest import make_providers


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AVATARIUM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("AVATARIUM_DATABASE_URL", raising=False)
    return tmp_path


def test_users_and_keys_commands(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    created = runner.invoke(cli, ["users", "create", "--email", "ops@example.com", "--password", "long enough"])
    assert created.exit_code == 0, created.output
    tiered = runner.invoke(cli, ["users", "set-tier", "ops@example.com", "enterprise", "--rate-limit", "500"])
    assert tiered.exit_code == 0 and "enterprise" in tiered.output
    key = runner.invoke(cli, ["keys", "create", "--email", "ops@example.com", "--name", "server", "--mode", "test"])
    assert key.exit_code == 0
    secret = key.output.strip()
    assert re.fullmatch(r"av_test_[A-Za-z0-9_-]{32,}", secret)
    assert (env / "avatarium.db").exists()


def test_cli_key_works_against_the_api(env: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli, ["users", "create", "--email", "e@example.com", "--password", "long enough", "--tier", "pro"]
    )
    assert created.exit_code == 0, created.output
    secret = runner.invoke(cli, ["keys", "create", "--email", "e@example.com"]).output.strip()

    async def call() -> httpx.Response:
        app = create_app(Settings(data_dir=env), make_providers())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/v1/conversations", headers={"Authorization": f"Bearer {secret}"})
        await app.state.avatarium.engine.dispose()
        return response

    response = asyncio.run(call())
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "60"


def test_cli_errors_are_clean(env: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["keys", "create", "--email", "nobody@example.com"])
    assert missing.exit_code == 1 and "no user" in missing.output
    bad_tier = runner.invoke(
        cli, ["users", "create", "--email", "x@example.com", "--password", "long enough", "--tier", "gold"]
    )
    assert bad_tier.exit_code == 1 and "tier" in bad_tier.output
