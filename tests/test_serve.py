"""`avatarium serve` as run from a shell: the banner, a busy port, several workers; `avatarium info`."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx

from tests.support.cli import avatarium, environment, serving

VENDOR_KEY = "sk-banner-test-0123456789abcdef"


def test_the_banner_says_where_to_go_and_what_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = environment(
        tmp_path,
        AVATARIUM_DATA_DIR=str(data),
        AVATARIUM_PRELOAD_MODELS="false",
        AVATARIUM_SIGNUP_TIER="pro",
        OPENAI_API_KEY=VENDOR_KEY,
    )
    with serving("--port", "0", env=env, stderr=tmp_path / "stderr") as served:
        assert served.url.startswith("http://127.0.0.1:")
        health = httpx.get(served.url + "/health", timeout=30)
        assert health.status_code == 200  # the banner came once the server answers
        rows = {line.split()[0]: line.split(None, 1)[1] for line in served.banner.splitlines()[1:] if line[:3].strip()}
    assert rows["playground"] == served.url + "/playground"
    assert f"API docs    {served.url}/docs" in served.banner
    assert rows["data"] == f"{data} (from AVATARIUM_DATA_DIR)"
    assert rows["database"] == str(data / "avatarium.db")
    assert rows["redis"].startswith("none: rate limits")
    assert "pro tier, 60 requests/min" in rows["sign-up"]
    assert "local: smollm2-135m-instruct" in served.banner and "openai: gpt-4o" in served.banner
    assert "local: piper-en-us-joe" in served.banner
    assert rows["listening"] == "local: whisper-base" and "openai: gpt-4o-mini-transcribe" in served.banner
    assert rows["vendors"] == "openai"
    assert "135M parameters" in served.banner and "AVATARIUM_COMPAT_BASE_URL=" in served.banner
    errors = (tmp_path / "stderr").read_text()
    assert f"Creating a new database: {data / 'avatarium.db'}" in errors
    assert VENDOR_KEY not in served.banner + errors
    assert "Traceback" not in errors


def test_a_busy_port_is_one_line(tmp_path: Path) -> None:
    env = environment(tmp_path, AVATARIUM_DATA_DIR=str(tmp_path / "data"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = avatarium("serve", "--port", str(port), env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: 127.0.0.1:{port} is already in use: stop what listens there, "
        "or choose another port (--port, or PORT= with make run)"
    ]
    assert not (tmp_path / "data").exists()  # nothing was set up for a server that could not start


def test_several_workers_share_the_socket(tmp_path: Path) -> None:
    env = environment(tmp_path, AVATARIUM_DATA_DIR=str(tmp_path / "data"), AVATARIUM_PRELOAD_MODELS="false")
    with serving("--port", "0", "--workers", "2", env=env, stderr=tmp_path / "stderr") as served:
        answers = [httpx.get(served.url + "/v1/health", timeout=60) for _ in range(4)]
        assert [a.status_code for a in answers] == [200] * 4
    assert "each worker keeps its own rate-limit counts" in (tmp_path / "stderr").read_text()


SECRETS = {
    "OPENAI_API_KEY": "sk-info-openai-secret",
    "AVATARIUM_JWT_SECRET": "info-jwt-secret-value",
    "AVATARIUM_DATABASE_URL": "postgresql://bob:pg-info-password@127.0.0.1:1/nothing?sslkey=/k&application_name=av",
    "AVATARIUM_REDIS_URL": "redis://:redis-info-password@127.0.0.1:1/3",
}


def test_info_shows_the_configuration_without_secrets(tmp_path: Path) -> None:
    env = environment(tmp_path, AVATARIUM_SIGNUP_TIER="creator", **SECRETS)
    text = avatarium("info", env=env)
    as_json = avatarium("info", "--json", env=env)
    assert text.returncode == as_json.returncode == 0, text.stderr
    for secret in ("sk-info-openai-secret", "info-jwt-secret-value", "pg-info-password", "redis-info-password"):
        assert secret not in text.stdout + text.stderr + as_json.stdout + as_json.stderr
    data = json.loads(as_json.stdout)
    variables = data["settings"]
    assert variables["OPENAI_API_KEY"] == {"value": "***", "default": False}
    assert variables["AVATARIUM_JWT_SECRET"]["value"] == "***"
    assert variables["AVATARIUM_DATABASE_URL"]["value"] == (
        "postgresql://bob:***@127.0.0.1:1/nothing?sslkey=***&application_name=av"
    )
    assert variables["AVATARIUM_REDIS_URL"]["value"] == "redis://:***@127.0.0.1:1/3"
    assert variables["AVATARIUM_SIGNUP_TIER"] == {"value": "creator", "default": False}
    assert variables["ANTHROPIC_API_KEY"] == {"value": None, "default": True}
    assert data["dataDir"] == str(tmp_path / "share" / "avatarium")
    assert data["databaseStatus"].startswith("unreachable")
    assert data["jwtSecret"] == "from AVATARIUM_JWT_SECRET"
    assert "AVATARIUM_SIGNUP_TIER" in text.stdout and "creator" in text.stdout


def test_info_on_a_fresh_machine(tmp_path: Path) -> None:
    env = environment(tmp_path)
    result = json.loads(avatarium("info", "--json", env=env).stdout)
    share = tmp_path / "share" / "avatarium"
    assert (result["database"], result["databaseStatus"]) == (str(share / "avatarium.db"), "not created yet")
    assert result["jwtSecret"] == f"generated, kept in {share / 'jwt_secret'} (on first start)"
    assert result["settings"]["AVATARIUM_DATA_DIR"] == {"value": str(share), "default": True}
    assert not share.exists()
