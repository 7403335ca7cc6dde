"""The realtime socket: time to first audio, our overhead, load, and barge-in.

    python -m bench.realtime

1. Time to first audio on embedded defaults (SmolLM2 + Piper), short questions, 20 turns.
   Target ≤ 600 ms p50.
2. Our overhead: the same measure against zero-latency fake LLM and TTS. Target ≤ 15 ms p50.
3. 1,000 idle sockets plus 50 concurrent turns against the fakes: event latency p99
   (target ≤ 50 ms) and memory per idle socket.
4. Interrupt to silence: from `interrupt` to the interrupted `reply.done`, after which
   nothing more arrives for that reply. Target ≤ 100 ms p99.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection

from bench.common import avatarium_serve, bench_database, open_conversation, percentile, uvicorn_process

QUESTIONS = ["What is the capital of France?", "How are you today?", "Can you help me?", "What time is it?"]


async def _turn(ws: ClientConnection, content: str) -> dict[str, float]:
    """Seconds from sending the message to the first event, first audio and the reply's end."""
    started = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "content": content}))
    marks: dict[str, float] = {}
    while "done" not in marks:
        event: dict[str, Any] = json.loads(await ws.recv())
        elapsed = time.perf_counter() - started
        marks.setdefault("first_event", elapsed)
        if event["type"] == "audio":
            marks.setdefault("audio", elapsed)
        elif event["type"] == "reply.done":
            marks["done"] = elapsed
    while json.loads(await ws.recv()) != {"type": "state", "state": "idle"}:
        pass
    return marks


async def _ttfa(base: str, headers: dict[str, str], turns: int, warmup: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        results = []
        for n in range(warmup + turns):
            if n % 5 == 0:  # a fresh conversation now and then keeps the history short
                ws = await open_conversation(http, base, headers)
            marks = await _turn(ws, QUESTIONS[n % len(QUESTIONS)])
            if n >= warmup:
                results.append(marks["audio"])
        return results


async def _load(base: str, headers: dict[str, str], rss: Any) -> tuple[list[float], list[float], float]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        idle_before = rss()
        idle = [await open_conversation(http, base, headers) for _ in range(1000)]
        per_socket = (rss() - idle_before) / len(idle)
        active = [await open_conversation(http, base, headers) for _ in range(50)]
        results = await asyncio.gather(*(_turn(ws, "Hello there, how are you?") for ws in active))
        for ws in idle + active:
            await ws.close()
    return [r["first_event"] for r in results], [r["done"] for r in results], per_socket


async def _interrupts(base: str, headers: dict[str, str], turns: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        ws = await open_conversation(http, base, headers)
        latencies = []
        for _ in range(turns):
            await ws.send(json.dumps({"type": "message", "content": "Tell me everything."}))
            while json.loads(await ws.recv())["type"] != "audio":
                pass
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "interrupt"}))
            while True:
                event = json.loads(await ws.recv())
                if event["type"] == "reply.done":
                    assert event["message"]["interrupted"]
                    latencies.append(time.perf_counter() - started)
                    break
            while json.loads(await ws.recv()) != {"type": "state", "state": "idle"}:
                pass
        return latencies


def _ms(values: list[float]) -> str:
    p50, p95, p99 = (percentile(values, p) * 1000 for p in (50, 95, 99))
    return f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms"


def main() -> None:
    env, headers = bench_database("realtime")
    with avatarium_serve(env) as served:
        embedded = asyncio.run(_ttfa(served.base, headers, turns=20, warmup=2))
    with uvicorn_process("bench.fake_app:app", env) as served:
        fake = asyncio.run(_ttfa(served.base, headers, turns=50, warmup=5))
        first_events, completions, per_socket = asyncio.run(_load(served.base, headers, served.rss_bytes))
    slow_env = {**env, "BENCH_TOKEN_DELAY": "0.02", "BENCH_LONG_REPLY": "1"}
    with uvicorn_process("bench.fake_app:app", slow_env) as served:
        interrupts = asyncio.run(_interrupts(served.base, headers, turns=20))

    print(f"1. time to first audio, embedded SmolLM2 + Piper (20 turns): {_ms(embedded)}   target p50 ≤ 600 ms")
    print(f"2. time to first audio, zero-latency fakes (our overhead):   {_ms(fake)}   target p50 ≤ 15 ms")
    print(f"3. 1,000 idle sockets + 50 concurrent turns (fakes): first event {_ms(first_events)}   target p99 ≤ 50 ms")
    print(f"   turn complete {_ms(completions)};  memory per idle socket {per_socket / 1024:.1f} KiB")
    print(f"4. interrupt → interrupted reply.done (20 turns):            {_ms(interrupts)}   target p99 ≤ 100 ms")


if __name__ == "__main__":
    main()
