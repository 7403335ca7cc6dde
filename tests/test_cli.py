"""The `avatarium` command line: accounts and keys, its database, its exit codes.

The main paths run the installed command in a process of its own; the many ways of
calling it wrongly run in this process (typer's runner), which is quicker.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import select
import signal
import sqlite3
import termios
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from avatarium.app import create_app
from avatarium.cli import app as cli
from avatarium.config import Settings
from avatarium.db.migrate import upgrade
from tests.conftest import make_providers
from tests.support.cli import AVATARIUM, avatarium, environment

PASSWORD = "long enough"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory for commands run in this process (CliRunner)."""
    for name in [n for n in os.environ if n.startswith("AVATARIUM_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AVATARIUM_DATA_DIR", str(tmp_path))
    return tmp_path


def test_an_operator_session(tmp_path: Path) -> None:
    """Create, look at, key, revoke and delete an account, as a shell script would."""
    data = tmp_path / "data"
    env = environment(tmp_path, AVATARIUM_DATA_DIR=str(data))

    refused = avatarium("users", "list", env=env)
    assert refused.returncode == 1
    assert "AVATARIUM_DATA_DIR" in refused.stderr and str(data) in refused.stderr
    assert not (data / "avatarium.db").exists()  # asking did not create an empty database

    created = avatarium(
        "users", "create", "--email", "Ops@Example.com", "--password-stdin", "--tier", "enterprise",
        "--rate-limit", "500", "--json", env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert f"Creating a new database: {data / 'avatarium.db'}" in created.stderr
    user = json.loads(created.stdout)
    assert (user["email"], user["tier"], user["rateLimit"]) == ("ops@example.com", "enterprise", 500)

    key = avatarium("keys", "create", "--email", "ops@example.com", "--name", "backend", "--mode", "test", env=env)
    assert key.returncode == 0 and key.stderr == ""
    secret = key.stdout.strip()
    assert re.fullmatch(r"av_test_[A-Za-z0-9_-]{32,}", secret)

    listed = avatarium("keys", "list", "--email", "ops@example.com", "--json", env=env)
    [listed_key] = json.loads(listed.stdout)
    assert listed_key["name"] == "backend" and listed_key["revokedAt"] is None
    assert secret not in listed.stdout and secret[-4:] == listed_key["last4"]

    shown = json.loads(avatarium("users", "show", "OPS@example.com", "--json", env=env).stdout)
    assert (shown["id"], shown["apiKeys"], shown["activeApiKeys"], shown["conversations"]) == (user["id"], 1, 1, 0)
    assert [u["email"] for u in json.loads(avatarium("users", "list", "--json", env=env).stdout)] == [user["email"]]

    revoked = avatarium("keys", "revoke", listed_key["id"], "--json", env=env)
    again = avatarium("keys", "revoke", secret, "--json", env=env)  # by its secret: the same key, already revoked
    assert revoked.returncode == again.returncode == 0
    assert json.loads(revoked.stdout)["revokedAt"] == json.loads(again.stdout)["revokedAt"] is not None

    declined = avatarium("users", "delete", "ops@example.com", env=env, stdin="n\n")
    assert declined.returncode == 1 and "nothing deleted" in declined.stderr
    assert avatarium("users", "show", "ops@example.com", env=env).returncode == 0

    deleted = avatarium("users", "delete", "ops@example.com", "--yes", env=env)
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted ops@example.com, 1 API keys and 0 conversations" in deleted.stdout
    gone = avatarium("users", "show", "ops@example.com", env=env)
    assert gone.returncode == 1 and gone.stderr == "Error: User 'ops@example.com' not found\n"


def test_the_default_data_directory_is_the_same_from_any_folder(tmp_path: Path) -> None:
    env = environment(tmp_path)
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    created = avatarium("users", "create", "--email", "a@example.com", "--password", PASSWORD, env=env, cwd=one)
    database = tmp_path / "share" / "avatarium" / "avatarium.db"
    assert f"Creating a new database: {database} (in the default data directory" in created.stderr
    elsewhere = avatarium("users", "set-tier", "a@example.com", "pro", env=env, cwd=two)
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert elsewhere.stdout == "a@example.com is now pro, 60 requests/min\n"
    assert not list(one.iterdir()) and not list(two.iterdir())


def test_commands_that_change_accounts_refuse_a_missing_database(tmp_path: Path) -> None:
    env = environment(tmp_path, AVATARIUM_DATA_DIR=str(tmp_path / "elsewhere"))
    for command in (
        ["users", "set-tier", "a@example.com", "pro"],
        ["users", "delete", "a@example.com", "--yes"],
        ["keys", "create", "--email", "a@example.com"],
        ["keys", "revoke", "00000000-0000-0000-0000-000000000000"],
    ):
        result = avatarium(*command, env=env)
        assert result.returncode == 1, command
        assert result.stderr.startswith(f"Error: no database at {tmp_path / 'elsewhere' / 'avatarium.db'} yet.")
        assert "AVATARIUM_DATA_DIR" in result.stderr and result.stdout == ""
    assert not (tmp_path / "elsewhere").exists()


def _read_until(terminal: int, expected: bytes, seen: bytearray) -> None:
    """Read the terminal until `expected` appears (or it closes, or a minute passes)."""
    deadline = time.monotonic() + 60
    while expected not in seen:
        ready, _, _ = select.select([terminal], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no {expected!r} on the terminal: {bytes(seen)!r}")
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the child has exited and closed the terminal
            chunk = b""
        if not chunk:
            raise AssertionError(f"the terminal closed before {expected!r}: {bytes(seen)!r}")
        seen += chunk


def _wait_for_hidden_input(terminal: int) -> None:
    """Until the prompt has turned echo off: it flushes whatever was typed before."""
    deadline = time.monotonic() + 60
    while termios.tcgetattr(terminal)[3] & termios.ECHO:
        assert time.monotonic() < deadline, "the prompt never hid the input"
        time.sleep(0.01)


def test_the_password_is_asked_twice_on_a_terminal(tmp_path: Path) -> None:
    env = environment(tmp_path, AVATARIUM_DATA_DIR=str(tmp_path / "data"))
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a session whose controlling terminal is the pty
        os.execve(AVATARIUM, [AVATARIUM, "users", "create", "--email", "t@example.com"], env)  # noqa: S606
    seen = bytearray()
    try:
        for prompt in (b"Password:", b"Repeat for confirmation:"):
            _read_until(terminal, prompt, seen)
            _wait_for_hidden_input(terminal)
            os.write(terminal, PASSWORD.encode() + b"\r")
        _read_until(terminal, b"created user", seen)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, bytes(seen)
    assert PASSWORD.encode() not in seen  # not echoed
    users = sqlite3.connect(tmp_path / "data" / "avatarium.db").execute("SELECT email FROM users").fetchall()
    assert users == [("t@example.com",)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "--password", PASSWORD], "Missing option '--email'"),
        (["users", "create", "--email", "not-an-address", "--password", PASSWORD], "valid email"),
        (["users", "create", "--email", "a@example", "--password", PASSWORD], "valid email"),
        (["users", "create", "--email", "a@example.com", "--password", "short"], "at least 8"),
        (["users", "create", "--email", "a@example.com", "--password", PASSWORD, "--tier", "gold"], "tier must be"),
        (["users", "create", "--email", "a@example.com", "--password", PASSWORD, "--rate-limit", "5"], "enterprise"),
        (["users", "create", "--email", "a@example.com", "--password", "x", "--password-stdin"], "not both"),
        (["users", "create", "--email", "a@example.com"], "--password-stdin"),
        (["users", "set-tier", "b@example.com", "pro", "--rate-limit", "100"], "enterprise"),
        (["users", "set-tier", "b@example.com", "enterprise", "--rate-limit", "0"], "at least 1"),
        (["users", "show", "nobody"], "valid email"),
        (["keys", "create", "--email", "b@example.com", "--mode", "staging"], "mode must be"),
        (["keys", "create", "--email", "b@example.com", "--name", ""], "name must have"),
        (["serve", "--port", "70000"], "'--port'"),
        (["users", "frobnicate"], "No such command"),
    ],
)
def test_usage_errors_exit_2(env: Path, args: list[str], message: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["users", "create", "--email", "b@example.com", "--password", PASSWORD]).exit_code == 0
    result = runner.invoke(cli, args, input="")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_failures_exit_1_and_change_nothing(env: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["users", "create", "--email", "c@example.com", "--password", PASSWORD, "--tier", "pro"])
    taken = runner.invoke(cli, ["users", "create", "--email", "C@example.com", "--password", "another one"])
    assert taken.exit_code == 1 and "already exists" in taken.output
    for args in (
        ["users", "set-tier", "nobody@example.com", "pro"],
        ["users", "delete", "nobody@example.com", "--yes"],
        ["keys", "create", "--email", "nobody@example.com"],
        ["keys", "list", "--email", "nobody@example.com"],
        ["keys", "revoke", "not-a-key"],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, args
        assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    unconfirmed = runner.invoke(cli, ["users", "delete", "c@example.com"], input="")
    assert unconfirmed.exit_code == 1 and "Error: nothing deleted" in unconfirmed.output
    shown = json.loads(runner.invoke(cli, ["users", "show", "c@example.com", "--json"]).stdout)
    assert (shown["tier"], shown["apiKeys"]) == ("pro", 0)


def test_an_invalid_setting_is_a_usage_error(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATARIUM_SIGNUP_TIER", "gold")
    result = CliRunner().invoke(cli, ["users", "list"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: invalid configuration: AVATARIUM_SIGNUP_TIER:")


def test_emails_are_validated_as_the_api_does(env: Path) -> None:
    candidates = [
        "plain",
        "a@b",
        "two@@example.com",
        "sp ace@example.com",
        " Padded@Example.com ",
        "x" * 320 + "@e.com",
    ]

    async def api_verdicts() -> list[bool]:
        app = create_app(settings, make_providers())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            verdicts = []
            for email in candidates:
                response = await client.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
                verdicts.append(response.status_code == 201)
        await app.state.avatarium.engine.dispose()
        return verdicts

    settings = Settings(data_dir=env / "api")
    upgrade(settings.resolved_database_url)
    runner = CliRunner()
    cli_verdicts = [
        runner.invoke(cli, ["users", "create", "--email", email, "--password", PASSWORD]).exit_code == 0
        for email in candidates
    ]
    assert cli_verdicts == asyncio.run(api_verdicts()) == [False, False, False, False, True, False]


def test_a_cli_key_works_against_the_api(env: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli, ["users", "create", "--email", "e@example.com", "--password", PASSWORD, "--tier", "pro"]
    )
    assert created.exit_code == 0, created.output
    secret = runner.invoke(cli, ["keys", "create", "--email", "e@example.com"]).stdout.strip()

    async def call() -> httpx.Response:
        app = create_app(Settings(data_dir=env), make_providers())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/v1/conversations", headers={"Authorization": f"Bearer {secret}"})
        await app.state.avatarium.engine.dispose()
        return response

    response = asyncio.run(call())
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "60"


def test_db_upgrade_says_which_database(env: Path) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0
    assert result.stdout == f"database {env / 'avatarium.db'} is up to date\n"
    assert (env / "avatarium.db").exists()


def test_a_change_saved_while_redis_is_down_says_so(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["users", "create", "--email", "r@example.com", "--password", PASSWORD])
    monkeypatch.setenv("AVATARIUM_REDIS_URL", "redis://:hidden-password@127.0.0.1:1/0")
    result = runner.invoke(cli, ["users", "set-tier", "r@example.com", "pro"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: the change is saved, but running servers could not be told through Redis")
    assert "hidden-password" not in result.output
    monkeypatch.delenv("AVATARIUM_REDIS_URL")
    assert json.loads(runner.invoke(cli, ["users", "show", "r@example.com", "--json"]).stdout)["tier"] == "pro"
