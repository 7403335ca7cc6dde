"""Helpers shared by the benchmarks: servers in subprocesses, wrk, statistics."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import redis
from websockets.asyncio.client import ClientConnection, connect

from avatarium.accounts import service as accounts
from avatarium.apikeys import service as apikeys
from avatarium.config import Settings
from avatarium.db.engine import make_engine, make_sessionmaker
from avatarium.db.migrate import upgrade

BENCH_POSTGRES = "postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Served:
    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")


@contextmanager
def uvicorn_process(app: str, env: dict[str, str], ready_path: str = "/health") -> Iterator[Served]:
    """`uvicorn APP` in its own process, as `avatarium serve` runs uvicorn (uvloop and httptools are
    what uvicorn picks when installed, which `uvicorn[standard]` ensures; no access log by default)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning", "--loop", "uvloop", "--http", "httptools"]
    with _process(command, env, f"http://127.0.0.1:{port}", ready_path) as served:
        yield served


@contextmanager
def avatarium_serve(env: dict[str, str]) -> Iterator[Served]:
    """`avatarium serve` itself, the command as shipped, in its own process."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("avatarium")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with _process(command, env, f"http://127.0.0.1:{port}", "/health") as served:
        yield served


@contextmanager
def _process(command: list[str], env: dict[str, str], base: str, ready_path: str) -> Iterator[Served]:
    process = subprocess.Popen(command, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + ready_path, timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{command} did not start")
            time.sleep(0.1)
        yield Served(base, process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def uvicorn_server(app: str, env: dict[str, str], ready_path: str = "/health") -> Iterator[str]:
    """The same, yielding only its base URL."""
    with uvicorn_process(app, env, ready_path) as served:
        yield served.base


@contextmanager
def avatarium_server(env: dict[str, str]) -> Iterator[str]:
    """`avatarium serve`, yielding only its base URL."""
    with avatarium_serve(env) as served:
        yield served.base


@contextmanager
def own_redis() -> Iterator[str]:
    """A redis-server of the benchmark's own on a free port, without persistence: its URL."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _seed(settings: Settings, email: str) -> str:
    engine = make_engine(settings.resolved_database_url)
    async with make_sessionmaker(engine).begin() as session:
        user = await accounts.create_user(session, email, "bench password", "enterprise", 10**9)
        _key, secret = await apikeys.create(session, user.id, "bench", "live", None)
    await engine.dispose()
    return secret


def bench_database(name: str, redis_url: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """A fresh data directory with an enterprise account whose limit no benchmark reaches.

    `redis_url` (see `own_redis`): the configuration of several instances instead of the
    embedded defaults — a fresh PostgreSQL database on the local server, and that Redis.
    Returns the server's environment and the account's Authorization header.
    """
    workdir = Path(tempfile.mkdtemp(prefix="avatarium-bench-"))
    env = {"AVATARIUM_DATA_DIR": str(workdir), "AVATARIUM_LOG_LEVEL": "warning"}
    if redis_url:
        env["AVATARIUM_DATABASE_URL"] = asyncio.run(_fresh_postgres(f"avatarium_bench_{name}"))
        env["AVATARIUM_REDIS_URL"] = redis_url
    settings = Settings(data_dir=workdir, database_url=env.get("AVATARIUM_DATABASE_URL"))
    upgrade(settings.resolved_database_url)
    key = asyncio.run(_seed(settings, f"{name}@example.com"))
    return env, {"Authorization": f"Bearer {key}"}


async def _fresh_postgres(database: str) -> str:
    connection = await asyncpg.connect(f"postgresql://{BENCH_POSTGRES}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()
    return f"postgresql+asyncpg://{BENCH_POSTGRES}/{database}"


def wrk(url: str, headers: dict[str, str] | None = None, seconds: int = 6, connections: int = 16) -> float:
    """Requests per second that wrk measures against `url` (one thread: the other core serves)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for this benchmark: apt-get install wrk")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{non_2xx.group(1)} failed requests against {url}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert match, output
    return float(match.group(1))


def wrk_together(
    targets: Sequence[tuple[str, dict[str, str] | None]], seconds: int = 6, connections: int = 8
) -> tuple[float, int]:
    """Requests per second of several wrk processes run at once, one per target URL, added up; and for how long."""
    with ThreadPoolExecutor(len(targets)) as pool:
        rates = pool.map(lambda target: wrk(target[0], target[1], seconds, connections), targets)
        return sum(rates), seconds


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


async def open_conversation(http: httpx.AsyncClient, base: str, headers: dict[str, str]) -> ClientConnection:
    """A new conversation with Ava, its socket open and past `ready`."""
    created = (await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=headers)).json()["data"]
    ws = await connect(
        base.replace("http", "ws", 1) + f"/v1/conversations/{created['id']}/ws", additional_headers=headers
    )
    await ws.recv()  # ready
    return ws
