"""The embedded model under load: 8 socket conversations talking at once on embedded defaults.

    python -m bench.local_queue [--threads]

Time to first audio, p50 and p95, for one conversation alone (the baseline) and for 8 at once, with
the model's slots (the default: 8 generations decoded together, openings first) and with one slot
(one generation at a time, the others in line: the first strategy). Both servers run side by side;
conversations alone alternate between them, so both baselines see the same machine.
Target: p95 ≤ 2 s on 2 cores. Also: the furthest place in line a turn was told, turns refused (503
past the line's limit), and the machine's load average, since other work may share its cores.
`--threads` compares the model on 2 threads and on 1 instead, both with slots.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection

from bench.common import avatarium_serve, bench_database, open_conversation, percentile

QUESTIONS = ["What is the capital of France?", "How are you today?", "Can you help me?", "What time is it?"]
CONVERSATIONS = 8
TURNS = 3  # per conversation
ALONE_ROUNDS = 4  # conversations alone, per server
STRATEGIES = {  # the first is the baseline
    "one generation at a time": {"AVATARIUM_LOCAL_LLM_SLOTS": "1"},
    "slots decoded together": {"AVATARIUM_LOCAL_LLM_SLOTS": "8"},
}
THREADS = {  # --threads: the model's threads, with slots
    "2 threads": {"AVATARIUM_LOCAL_LLM_THREADS": "2"},
    "1 thread": {"AVATARIUM_LOCAL_LLM_THREADS": "1"},
}


@dataclass
class Seen:
    place: int = 0  # the furthest place in line a turn was told
    refused: int = 0
    first_text: list[float] = field(default_factory=list)  # seconds to the first reply.delta


async def _turn(ws: ClientConnection, content: str, seen: Seen) -> float | None:
    """Seconds to the first audio; None when the turn was refused."""
    started = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "content": content}))
    first: float | None = None
    text: float | None = None
    while True:
        event: dict[str, Any] = json.loads(await ws.recv())
        if event["type"] == "audio" and first is None:
            first = time.perf_counter() - started
        elif event["type"] == "reply.delta" and text is None:
            text = time.perf_counter() - started
            seen.first_text.append(text)
        elif event.get("queue"):
            seen.place = max(seen.place, event["queue"]["position"])
        elif event["type"] == "error":
            seen.refused += 1
        elif event == {"type": "state", "state": "idle"}:
            return first


async def _conversation(base: str, headers: dict[str, str], n: int, seen: Seen) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        ws = await open_conversation(http, base, headers)
        times = []
        for turn in range(TURNS):
            ttfa = await _turn(ws, QUESTIONS[(n + turn) % len(QUESTIONS)], seen)
            if ttfa is not None:
                times.append(ttfa)
        await ws.close()
        return times


async def _together(base: str, headers: dict[str, str]) -> tuple[list[float], Seen]:
    seen = Seen()
    results = await asyncio.gather(*(_conversation(base, headers, n, seen) for n in range(CONVERSATIONS)))
    return [t for times in results for t in times], seen


async def _alone(servers: list[str], headers: list[dict[str, str]]) -> tuple[list[list[float]], list[Seen]]:
    """One conversation at a time, alternating between the servers, so both see the same machine."""
    for base, auth in zip(servers, headers, strict=True):  # warm-up: model and voice paged in
        await _conversation(base, auth, 0, Seen())
    times: list[list[float]] = [[] for _ in servers]
    seen = [Seen() for _ in servers]
    for n in range(ALONE_ROUNDS):
        for i, (base, auth) in enumerate(zip(servers, headers, strict=True)):
            times[i] += await _conversation(base, auth, n, seen[i])
    return times, seen


def _ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:.0f} ms  p95 {percentile(values, 95) * 1000:.0f} ms"


def main() -> None:
    strategies = THREADS if "--threads" in sys.argv else STRATEGIES
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    with ExitStack() as stack:
        servers, headers = [], []
        for n, settings in enumerate(strategies.values()):
            env, auth = bench_database(f"local_queue_{n}")
            env |= settings
            servers.append(stack.enter_context(avatarium_serve(env)).base)
            headers.append(auth)
        alone, alone_seen = asyncio.run(_alone(servers, headers))
        print(
            f"1 conversation, alternating ({ALONE_ROUNDS * TURNS} turns each; load average {os.getloadavg()[0]:.1f}):"
        )
        for name, times, seen in zip(strategies, alone, alone_seen, strict=True):
            print(f"  {name}: time to first audio {_ms(times)}; first text {_ms(seen.first_text)}")
        loaded = []
        for name, base, auth in zip(strategies, servers, headers, strict=True):
            before = os.getloadavg()[0]
            times, seen = asyncio.run(_together(base, auth))
            loaded.append(times)
            print(
                f"{CONVERSATIONS} at once, {name} (load average {before:.1f} before, {os.getloadavg()[0]:.1f} after):"
            )
            print(f"  time to first audio {_ms(times)} (target p95 <= 2000 ms); first text {_ms(seen.first_text)}")
            print(f"  furthest place in line: {seen.place}; turns refused: {seen.refused} of {CONVERSATIONS * TURNS}")
    (old_alone, new_alone), (old, new) = alone, loaded
    print(
        f"{' against '.join(reversed(strategies))}:"
        f" alone p50 {percentile(new_alone, 50) / percentile(old_alone, 50):.2f}x,"
        f" p95 {percentile(new_alone, 95) / percentile(old_alone, 95):.2f}x;"
        f" {CONVERSATIONS} at once p50 {percentile(new, 50) / percentile(old, 50):.2f}x,"
        f" p95 {percentile(new, 95) / percentile(old, 95):.2f}x"
    )


if __name__ == "__main__":
    main()
