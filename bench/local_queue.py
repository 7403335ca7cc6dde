"""The embedded model under load: 8 socket conversations talking at once on embedded defaults.

    python -m bench.local_queue

Time to first audio, p50 and p95, for one conversation alone (the baseline, same run) and for
8 at once; the ratio says what the line in front of the model costs. Target: p95 ≤ 2 s on 2 cores.
Also: the furthest place in line a turn was told, and turns refused (503 past the line's limit).
"""

from __future__ import annotations

import asyncio
import json
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


def main() -> None:
    env, headers = bench_database("local_queue")
    with avatarium_serve(env) as served:
        alone, _ = asyncio.run(_run(served.base, headers, 1))
        loaded, seen = asyncio.run(_run(served.base, headers, CONVERSATIONS))
    base50, base95 = percentile(alone, 50), percentile(alone, 95)
    p50, p95 = percentile(loaded, 50), percentile(loaded, 95)
    print(f"time to first audio, 1 conversation:  p50 {base50 * 1000:.0f} ms  p95 {base95 * 1000:.0f} ms")
    print(
        f"time to first audio, {CONVERSATIONS} at once:     p50 {p50 * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms"
        f"  ({p50 / base50:.1f}x / {p95 / base95:.1f}x the baseline; target p95 <= 2000 ms)"
    )
    print(f"furthest place in line: {seen['place']}; turns refused: {seen['refused']} of {CONVERSATIONS * TURNS}")


if __name__ == "__main__":
    main()
