"""Latency we add in front of a cloud vendor: time to first token and to first audio through our API,
against a local zero-latency fake of the vendor, next to the fake's own times in the same run.

    python -m bench.vendors

Target: ≤ 15 ms added at p50, ≤ 40 ms at p99.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from bench.common import avatarium_server, bench_database, percentile, uvicorn_server
from testkit.fakes import vendors

SAMPLES = 100
CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}], "stream": True}


async def _first_chunk(client: httpx.AsyncClient, url: str, marker: bytes, **kwargs: object) -> float:
    started = time.perf_counter()
    async with client.stream("POST", url, **kwargs) as response:  # type: ignore[arg-type]
        async for chunk in response.aiter_bytes():
            if marker in chunk:
                return time.perf_counter() - started
    raise RuntimeError(f"no {marker!r} from {url}")


async def _whole(client: httpx.AsyncClient, url: str, **kwargs: object) -> float:
    started = time.perf_counter()
    response = await client.post(url, **kwargs)  # type: ignore[arg-type]
    response.raise_for_status()
    return time.perf_counter() - started


async def _pairs(
    direct: Callable[[], Awaitable[float]], ours: Callable[[], Awaitable[float]]
) -> tuple[list[float], list[float]]:
    raw, api = [], []
    for _ in range(5):
        await direct()
        await ours()
    for _ in range(SAMPLES):
        raw.append(await direct())
        api.append(await ours())
    return raw, api


def _row(name: str, raw: list[float], api: list[float]) -> str:
    p50 = (percentile(api, 50) - percentile(raw, 50)) * 1000
    p99 = (percentile(api, 99) - percentile(raw, 99)) * 1000
    return (
        f"{name:<32} vendor p50 {percentile(raw, 50) * 1000:6.1f} ms  ours p50 {percentile(api, 50) * 1000:6.1f} ms"
        f"  added p50 {p50:5.1f} ms (≤ 15)  added p99 {p99:5.1f} ms (≤ 40)"
    )


async def _measure(fake: str, ours: str, headers: dict[str, str]) -> None:
    openai = {
        "json": {**CHAT, "model": "gpt-4o-mini"},
        "headers": {"Authorization": f"Bearer {vendors.KEYS['openai']}"},
    }
    speak = {"model": "aura-2-thalia-en", "encoding": "linear16", "sample_rate": 24000, "container": "none"}
    deepgram = {"params": speak, "headers": {"Authorization": f"Token {vendors.KEYS['deepgram']}"}}
    text = {"text": "Hello there."}
    async with httpx.AsyncClient(timeout=30) as client:
        ttft = await _pairs(
            lambda: _first_chunk(client, f"{fake}/v1/chat/completions", b'"content"', **openai),
            lambda: _first_chunk(client, f"{ours}/v1/ai/chat", b"event: delta", json=CHAT, headers=headers),
        )
        ttfa = await _pairs(
            lambda: _whole(client, f"{fake}/v1/speak", json=text, **deepgram),
            lambda: _whole(client, f"{ours}/v1/tts/deepgram", json=text, headers=headers),
        )
    print(_row("time to first token (OpenAI)", *ttft))
    print(_row("time to first audio (Deepgram)", *ttfa))


def main() -> None:
    base_env, headers = bench_database("vendors")
    with uvicorn_server("testkit.fakes.vendors:app", {}, ready_path="/") as fake:
        env = {
            **base_env,
            "AVATARIUM_PRELOAD_MODELS": "false",  # only vendors serve here; loading local models would add noise
            "OPENAI_API_KEY": vendors.KEYS["openai"],
            "DEEPGRAM_API_KEY": vendors.KEYS["deepgram"],
            "AVATARIUM_OPENAI_BASE_URL": f"{fake}/v1",
            "AVATARIUM_DEEPGRAM_BASE_URL": fake,
        }
        with avatarium_server(env) as ours:
            asyncio.run(_measure(fake, ours, headers))


if __name__ == "__main__":
    main()
