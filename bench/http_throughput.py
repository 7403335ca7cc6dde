"""Requests per second of two endpoints against a bare Starlette app returning the same envelopes.

    python -m bench.http_throughput            # embedded defaults: SQLite, in process
    python -m bench.http_throughput --scaled   # PostgreSQL and Redis, as several instances run

Both servers run under uvicorn with the same settings, one at a time, while wrk
loads them from the other core. Rounds alternate and the medians are compared.
Targets: GET /v1/avatars ≥ 0.6× and the authenticated, rate-limited
GET /v1/conversations/:id ≥ 0.4× of bare Starlette. The last row compares the
same read with a bare app that queries the database on every request, as ours
does on a cache miss: what the read caches (avatarium.cache) save.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

from bench.common import avatarium_server, bench_database, median, uvicorn_server, wrk

ROUNDS = 5


def main() -> None:
    env, auth = bench_database("http", scaled="--scaled" in sys.argv)
    env["AVATARIUM_ANONYMOUS_RATE_LIMIT"] = str(10**9)
    env["AVATARIUM_PRELOAD_MODELS"] = "false"  # nothing here uses the models; loading them would steal CPU
    workdir = Path(env["AVATARIUM_DATA_DIR"])
    names = ("avatars", "conversation", "conversation_db")
    results: dict[str, dict[str, list[float]]] = {name: {"ours": [], "bare": []} for name in names}

    with avatarium_server(env) as ours:
        created = httpx.post(f"{ours}/v1/conversations", json={"avatarId": "ava"}, headers=auth).json()["data"]
        conversation_path = f"/v1/conversations/{created['id']}"
        payloads = {
            "avatars": httpx.get(f"{ours}/v1/avatars").json()["data"],
            "conversation": httpx.get(ours + conversation_path, headers=auth).json()["data"],
        }
    payload_file = workdir / "payloads.json"
    payload_file.write_text(json.dumps(payloads))

    for _ in range(ROUNDS):
        baseline_env = {**env, "BENCH_PAYLOADS": str(payload_file)}
        with uvicorn_server("bench.baseline_app:app", baseline_env, "/v1/avatars") as bare:
            results["avatars"]["bare"].append(wrk(f"{bare}/v1/avatars"))
            results["conversation"]["bare"].append(wrk(bare + conversation_path, auth))
            results["conversation_db"]["bare"].append(wrk(bare + conversation_path.replace("/v1/", "/db/"), auth))
        with avatarium_server(env) as ours:
            results["avatars"]["ours"].append(wrk(f"{ours}/v1/avatars"))
            results["conversation"]["ours"].append(wrk(ours + conversation_path, auth))
        results["conversation_db"]["ours"].append(results["conversation"]["ours"][-1])

    print(f"{'endpoint':<58} {'bare req/s':>11} {'ours req/s':>11} {'ratio':>7} {'target':>7}")
    for name, path, target in (
        ("avatars", "GET /v1/avatars (anonymous)", "0.6x"),
        ("conversation", "GET /v1/conversations/:id (key, limited)", "0.4x"),
        ("conversation_db", "  the same, against bare Starlette querying the database", "-"),
    ):
        bare, ours_rps = median(results[name]["bare"]), median(results[name]["ours"])
        print(f"{path:<58} {bare:>11.0f} {ours_rps:>11.0f} {ours_rps / bare:>6.2f}x {target:>7}")


if __name__ == "__main__":
    main()
