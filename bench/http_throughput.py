"""Requests per second of two endpoints against a bare Starlette app returning the same envelopes.

    python -m bench.http_throughput            # embedded defaults: SQLite, in process
    python -m bench.http_throughput --scaled   # PostgreSQL and Redis, as several instances run

Every server runs under uvicorn with the same settings, one at a time, while wrk
loads them from the other core. Rounds alternate and the medians are compared.
Targets: GET /v1/avatars ≥ 0.6× and the authenticated, rate-limited
GET /v1/conversations/:id ≥ 0.4× of bare Starlette. Then, against our own app:
- the same app with a limiter that counts nothing (bench/unlimited_app.py): what the
  rate limit costs per request;
- with `--scaled`, two instances sharing PostgreSQL and Redis against one, each loaded by
  two wrk processes at once (one per instance, or both on the one): target ≥ 1.6×;
- bare Starlette querying the database on every request, as ours does on a cache miss:
  what the read caches (avatarium.cache) save.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from pathlib import Path

import httpx

from bench.common import (
    Served,
    avatarium_serve,
    avatarium_server,
    bench_database,
    median,
    own_redis,
    uvicorn_server,
    wrk,
    wrk_together,
)

ROUNDS = 5
Results = dict[str, list[float]]


def main() -> None:
    scaled = "--scaled" in sys.argv
    with own_redis() if scaled else nullcontext() as redis_url:
        env, auth = bench_database("http", redis_url)
        env["AVATARIUM_ANONYMOUS_RATE_LIMIT"] = str(10**9)
        env["AVATARIUM_PRELOAD_MODELS"] = "false"  # nothing here uses the models; loading them would steal CPU
        paths = _prepare(env, auth)
        results: Results = {}
        for _ in range(ROUNDS):
            _round(env, auth, paths, scaled, results)
    _report(results, scaled)


def _prepare(env: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
    """A conversation to read, and the payloads the bare app returns."""
    with avatarium_server(env) as ours:
        created = httpx.post(f"{ours}/v1/conversations", json={"avatarId": "ava"}, headers=auth).json()["data"]
        conversation_path = f"/v1/conversations/{created['id']}"
        payloads = {
            "avatars": httpx.get(f"{ours}/v1/avatars").json()["data"],
            "conversation": httpx.get(ours + conversation_path, headers=auth).json()["data"],
        }
    payload_file = Path(env["AVATARIUM_DATA_DIR"]) / "payloads.json"
    payload_file.write_text(json.dumps(payloads))
    env["BENCH_PAYLOADS"] = str(payload_file)
    return {"avatars": "/v1/avatars", "conversation": conversation_path}


def _round(env: dict[str, str], auth: dict[str, str], paths: dict[str, str], scaled: bool, results: Results) -> None:
    def record(name: str, value: float) -> None:
        results.setdefault(name, []).append(value)

    avatars, conversation = paths["avatars"], paths["conversation"]
    with uvicorn_server("bench.baseline_app:app", env, "/v1/avatars") as bare:
        record("bare avatars", wrk(bare + avatars))
        record("bare conversation", wrk(bare + conversation, auth))
        record("bare conversation_db", wrk(bare + conversation.replace("/v1/", "/db/"), auth))
    with avatarium_serve(env) as ours:
        record("ours avatars", wrk(ours.base + avatars))
        record("ours conversation", wrk(ours.base + conversation, auth))
        if scaled:
            for name, path, headers in (("avatars", avatars, None), ("conversation", conversation, auth)):
                _instances(f"one {name}", [ours, ours], path, headers, record)
    with uvicorn_server("bench.unlimited_app:app", env) as unlimited:
        record("unlimited avatars", wrk(unlimited + avatars))
        record("unlimited conversation", wrk(unlimited + conversation, auth))
    if scaled:
        with ExitStack() as stack:
            two = [stack.enter_context(avatarium_serve(env)) for _ in range(2)]
            for name, path, headers in (("avatars", avatars, None), ("conversation", conversation, auth)):
                _instances(f"two {name}", two, path, headers, record)


def _instances(
    name: str, targets: list[Served], path: str, headers: dict[str, str] | None, record: Callable[[str, float], None]
) -> None:
    """Two wrk at once, one per target; the rate, and the requests per CPU second of the instances."""
    instances = {served.pid: served for served in targets}.values()
    before = sum(served.cpu_seconds() for served in instances)
    rate, seconds = wrk_together([(served.base + path, headers) for served in targets])
    record(name, rate)
    record(name + " per cpu", rate * seconds / (sum(served.cpu_seconds() for served in instances) - before))


def _report(results: Results, scaled: bool) -> None:
    def rate(name: str) -> float:
        return median(results[name])

    def row(label: str, baseline: float, measured: float, target: str = "-") -> None:
        print(f"{label:<62} {baseline:>10.0f} {measured:>10.0f} {measured / baseline:>6.2f}x {target:>7}")

    endpoints = (
        ("avatars", "GET /v1/avatars (anonymous)", "0.6x"),
        ("conversation", "GET /v1/conversations/:id (key, limited)", "0.4x"),
    )
    print(f"{'against bare Starlette':<62} {'bare req/s':>10} {'ours req/s':>10} {'ratio':>7} {'target':>7}")
    for name, label, target in endpoints:
        row(label, rate(f"bare {name}"), rate(f"ours {name}"), target)
    row("  the same, bare Starlette querying the database", rate("bare conversation_db"), rate("ours conversation"))
    print(f"\n{'the rate limit':<62} {'no-op':>10} {'ours req/s':>10} {'ratio':>7} {'µs/req':>7}")
    for name, label, _target in endpoints:
        ours, unlimited = rate(f"ours {name}"), rate(f"unlimited {name}")
        row(label, unlimited, ours, f"{1e6 / ours - 1e6 / unlimited:.0f}")
    if scaled:
        print(f"\n{'instances on PostgreSQL + Redis (2 wrk)':<62} {'one':>10} {'two':>10} {'ratio':>7} {'target':>7}")
        for name, label, _target in endpoints:
            row(label, rate(f"one {name}"), rate(f"two {name}"), "1.6x")
            row("  requests per CPU second of the instances", rate(f"one {name} per cpu"), rate(f"two {name} per cpu"))


if __name__ == "__main__":
    main()
