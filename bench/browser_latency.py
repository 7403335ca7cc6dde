"""In headless Chromium, on embedded defaults (SmolLM2 + Piper): what a user hears and sees.

    python -m bench.browser_latency [--turns N]

1. Time from `avatar.send()` to the first audible sample: when the first sentence's buffer is
   scheduled to play on the page's AudioContext, plus the context's output latency. Baseline,
   measured in the same turn: the server's own time to first audio (`metrics.ttfaMs` of the
   stored reply, from the message's arrival to its first sentence synthesised). The ratio
   shows what the network, decoding and scheduling in the browser add.
2. Lip-sync offset: every animation frame records the audio clock of the sentence being heard
   and the viseme the avatar's mouth shows (the strongest viseme morph target, read from the
   scene). The offset is the shift of the schedule that best explains the rendered mouth; the
   agreement rate says how often the mouth shows the scheduled viseme. Target: |offset| ≤ 20 ms.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

from bench.common import bench_database, median, percentile, uvicorn_server
from testkit.chromium import CHROMIUM, FLAGS

QUESTIONS = ["What is the capital of France?", "How are you today?", "Can you help me?", "What is a fraction?"]

PROBES = """
window.audioStarts = [];
for (const type of [AudioScheduledSourceNode, AudioBufferSourceNode]) {
  const start = type.prototype.start;
  type.prototype.start = function (when, ...rest) {
    if (this.buffer && this.buffer.duration > 0.01) {
      const context = this.context;
      const latency = context.outputLatency || context.baseLatency || 0;
      const delay = Math.max(0, (when || 0) - context.currentTime) + latency;
      window.audioStarts.push({ audibleAt: performance.now() + delay * 1000 });
    }
    return start.call(this, when, ...rest);
  };
}
"""

START = """
async ([conversationId, clientToken]) => {
  const { Avatarium } = await import('/sdk/avatarium.js');
  const element = document.createElement('div');
  element.style.width = element.style.height = '400px';
  document.body.append(element);
  window.avatar = new Avatarium(element, { conversationId, clientToken });
  await new Promise((resolve, reject) => {
    window.avatar.on('ready', resolve);
    window.avatar.on('error', reject);
  });
  // Every frame: the sentence being heard (its start on the audio clock), how far into it, and the mouth.
  window.frames = [];
  const sample = () => {
    const position = window.avatar.player.position();
    if (position) {
      let best = null;
      let strongest = 0.3;
      window.avatar.scene.traverse((object) => {
        for (const [name, index] of Object.entries(object.morphTargetDictionary || {})) {
          const weight = object.morphTargetInfluences[index];
          if (name.startsWith('viseme_') && weight > strongest) [best, strongest] = [name, weight];
        }
      });
      window.frames.push({ start: position.start, ms: position.ms, shown: best, visemes: position.visemes });
    }
    requestAnimationFrame(sample);
  };
  sample();
}
"""


def _turn(page: Page, question: str, listen_s: float) -> dict[str, Any]:
    page.evaluate("window.audioStarts = []; window.frames = []")
    sent = page.evaluate(
        "(q) => { window.reply = undefined; const at = performance.now();"
        " window.avatar.send(q).then((r) => { window.reply = r; }); return at; }",
        question,
    )
    page.wait_for_function("() => window.audioStarts.length > 0", polling=20, timeout=120_000)
    time.sleep(listen_s)
    page.evaluate("window.avatar.stop()")
    page.wait_for_function("() => window.reply !== undefined", polling=50, timeout=120_000)
    first: float = page.evaluate("window.audioStarts[0].audibleAt")
    reply = page.evaluate("window.reply")
    frames = page.evaluate("window.frames.map(({ start, ms, shown }) => ({ start, ms, shown }))")
    schedules = page.evaluate("Object.fromEntries(window.frames.map(({ start, visemes }) => [String(start), visemes]))")
    return {
        "browser_ms": first - sent,
        "server_ms": (reply or {}).get("metrics", {}).get("ttfaMs"),
        "frames": frames,
        "schedules": schedules,
    }


def _scheduled(visemes: list[dict[str, Any]], ms: float) -> str | None:
    for v in visemes:
        if v["startMs"] <= ms < v["endMs"]:
            return None if v["viseme"] == "viseme_sil" else str(v["viseme"])
    return None


def _lipsync(turns: list[dict[str, Any]]) -> tuple[int, float]:
    """The schedule shift (ms) under which the rendered mouth agrees most with it, and that agreement."""
    samples = [
        (frame["ms"], frame["shown"], turn["schedules"][str(frame["start"])])
        for turn in turns
        for frame in turn["frames"]
        if frame["shown"] is not None
    ]
    best = (0, 0.0)
    for lag in range(-100, 101, 2):
        agree = sum(shown == _scheduled(visemes, ms - lag) for ms, shown, visemes in samples)
        rate = agree / max(1, len(samples))
        if rate > best[1] or (rate == best[1] and abs(lag) < abs(best[0])):
            best = (lag, rate)
    return best


@contextmanager
def _browser_page(base: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.add_init_script(PROBES)
        page.goto(base + "/", wait_until="load")
        yield page
        browser.close()


def main() -> None:
    turns = int(sys.argv[sys.argv.index("--turns") + 1]) if "--turns" in sys.argv else 6
    env, headers = bench_database("browser")
    with uvicorn_server("avatarium.server:app", env) as base:
        created = httpx.post(f"{base}/v1/conversations", json={"avatarId": "ava"}, headers=headers, timeout=30)
        data = created.json()["data"]
        with _browser_page(base) as page:
            page.evaluate(START, [data["id"], data["clientToken"]])
            _turn(page, "Hello!", 0.5)  # warm-up: the model, the voice, the page's audio graph
            results = [_turn(page, QUESTIONS[n % len(QUESTIONS)], 2.5) for n in range(turns)]

    browser_ms = [r["browser_ms"] for r in results]
    server_ms = [float(r["server_ms"]) for r in results if r["server_ms"] is not None]
    lag, agreement = _lipsync(results)
    frames = sum(len(r["frames"]) for r in results)
    print(f"send() → first audible sample, {turns} turns on embedded defaults")
    print(f"  browser   p50 {median(browser_ms):7.0f} ms   p95 {percentile(browser_ms, 95):7.0f} ms")
    print(f"  server    p50 {median(server_ms):7.0f} ms   (baseline: ttfaMs of the same turns)")
    added = median(browser_ms) - median(server_ms)
    print(f"  ratio     {median(browser_ms) / median(server_ms):.2f}×   browser adds {added:.0f} ms")
    print(
        f"lip-sync over {frames} frames: offset {lag:+d} ms (target ≤ 20 ms), mouth shows the scheduled viseme "
        f"{agreement:.0%} of the time"
    )


if __name__ == "__main__":
    main()
