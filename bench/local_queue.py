"""The embedded model under load: 8 socket conversations talking at once on embedded defaults.

    python -m bench.local_queue

Time to first audio, p50 and p95, for one conversation alone (the baseline, same run) and for
8 at once, with the model's slots (the default: 8 generations decoded together, openings first) and
with one slot (one generation at a time, the others in line: the first strategy), both in this run.
Target: p95 ≤ 2 s on 2 cores. Also: the furthest place in line a turn was told, turns refused (503
past the line's limit), and the machine's load average, since other work may share its cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.common import avatarium_serve, bench_database, percentile

QUESTIONS = ["What is the capital of France?", "How are you today?", "Can you help me?", "What time is it?"]
CONVERSATIONS = 8
TURNS = 3  # per conversation


async def _open(http: httpx.AsyncClient, base: str, headers: dict[str, str]) -> ClientConnection:
    created = (await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=headers)).json()["data"]
    ws = await connect(
        base.replace("http", "ws", 1) + f"/v1/conversations/{created['id']}/ws", additional_headers=headers
    )
    await ws.recv()  # ready
    return ws


async def _turn(ws: ClientConnection, content: str, seen: dict[str, int]) -> float | None:
    """Seconds to the first audio; None when the turn was refused."""
    started = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "content": content}))
    first: float | None = None
    while True:
        event: dict[str, Any] = json.loads(await ws.recv())
        if event["type"] == "audio" and first is None:
            first = time.perf_counter() - started
        elif event.get("queue"):
            seen["place"] = max(seen["place"], event["queue"]["position"])
        elif event["type"] == "error":
            seen["refused"] += 1
        elif event == {"type": "state", "state": "idle"}:
            return first


async def _conversation(base: str, headers: dict[str, str], n: int, seen: dict[str, int]) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        ws = await _open(http, base, headers)
        times = []
        for turn in range(TURNS):
            ttfa = await _turn(ws, QUESTIONS[(n + turn) % len(QUESTIONS)], seen)
            if ttfa is not None:
                times.append(ttfa)
        await ws.close()
        return times


async def _run(base: str, headers: dict[str, str], conversations: int) -> tuple[list[float], dict[str, int]]:
    seen = {"place": 0, "refused": 0}
    await _conversation(base, headers, 0, {"place": 0, "refused": 0})  # warm-up: model and voice paged in
    results = await asyncio.gather(*(_conversation(base, headers, n, seen) for n in range(conversations)))
    return [t for times in results for t in times], seen


def _strategy(name: str, slots: str | None) -> tuple[float, float, float, float]:
    """p50 and p95 alone, then 8 at once, for one setting of the model's slots (None: the default)."""
    env, headers = bench_database("local_queue")
    if slots is not None:
        env["AVATARIUM_LOCAL_LLM_SLOTS"] = slots
    load = os.getloadavg()[0]
    with avatarium_serve(env) as served:
        alone, _ = asyncio.run(_run(served.base, headers, 1))
        loaded, seen = asyncio.run(_run(served.base, headers, CONVERSATIONS))
    base50, base95 = percentile(alone, 50), percentile(alone, 95)
    p50, p95 = percentile(loaded, 50), percentile(loaded, 95)
    print(f"{name} (load average {load:.1f} before, {os.getloadavg()[0]:.1f} after)")
    print(f"  time to first audio, 1 conversation:  p50 {base50 * 1000:.0f} ms  p95 {base95 * 1000:.0f} ms")
    print(
        f"  time to first audio, {CONVERSATIONS} at once:     p50 {p50 * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms"
        f"  ({p50 / base50:.1f}x / {p95 / base95:.1f}x the baseline; target p95 <= 2000 ms)"
    )
    print(f"  furthest place in line: {seen['place']}; turns refused: {seen['refused']} of {CONVERSATIONS * TURNS}")
    return base50, base95, p50, p95


def main() -> None:
    print(f"{os.cpu_count()} cores")
    old = _strategy("one generation at a time (AVATARIUM_LOCAL_LLM_SLOTS=1)", "1")
    new = _strategy("slots decoded together (the default)", None)
    print(
        f"slots against one at a time: alone p50 {new[0] / old[0]:.2f}x, p95 {new[1] / old[1]:.2f}x;"
        f" {CONVERSATIONS} at once p50 {new[2] / old[2]:.2f}x, p95 {new[3] / old[3]:.2f}x"
    )


if __name__ == "__main__":
    main()
