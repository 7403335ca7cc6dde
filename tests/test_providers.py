"""The provider layer's own rules: vendor knowledge stays in vendor packages, settings follow one rule,
and the circuit breaker lets exactly one trial call through."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

import avatarium
from avatarium.config import Settings
from avatarium.providers import builtin
from avatarium.providers.base import ProviderError
from avatarium.providers.factory import build_providers
from avatarium.providers.plugins import builtin_specs
from avatarium.providers.resilience import CircuitBreaker, Policy, VendorCall

SOURCE = Path(avatarium.__file__).parent


def _naming(provider_id: str) -> re.Pattern[str]:
    """How code names a provider: as a quoted id or the prefix of a model or voice id, as its package,
    or in its settings. Prose ("OpenAI-compatible") and words that merely coincide (Lua's `local`) do not."""
    upper = provider_id.upper()
    return re.compile(
        rf"""["']{provider_id}["'/-]|providers[./]{provider_id}\b|\b{provider_id}_(api_key|base_url)\b"""
        rf"""|\b(AVATARIUM_)?{upper}_(API_KEY|BASE_URL)\b"""
    )


def test_no_file_outside_a_vendors_package_names_it() -> None:
    ids = [spec.id for spec in builtin_specs()] + ["gemini"]
    listing = Path(builtin.__file__)
    offenders = []
    for path in sorted(SOURCE.rglob("*")):
        if not path.is_file() or path.suffix not in (".py", ".json", ".md", ".txt", ".toml") or path == listing:
            continue
        text = path.read_text("utf-8")
        for provider_id in ids:
            home = SOURCE / "providers" / ("google" if provider_id == "gemini" else provider_id)
            if home in path.parents:
                continue
            offenders += [f"{path.relative_to(SOURCE)}: {m.group(0)}" for m in _naming(provider_id).finditer(text)]
    assert offenders == []


def test_the_naming_check_sees_what_it_should() -> None:
    assert _naming("openai").search('voice = "openai-nova"')
    assert _naming("openai").search("from avatarium.providers.openai.tts import OpenAITTS")
    assert _naming("local").search('if voice.provider != "local":')
    assert _naming("google").search("GEMINI_API_KEY") is None and _naming("gemini").search("GEMINI_API_KEY")
    assert _naming("local").search("local t = redis.call('TIME')") is None


def test_settings_follow_one_rule(tmp_path: Path) -> None:
    env = {
        "OPENAI_API_KEY": "sk-vendor-variable",
        "GEMINI_API_KEY": "gemini-key",
        "AVATARIUM_ANTHROPIC_API_KEY": "prefixed-key",
        "AVATARIUM_GROQ_BASE_URL": "http://groq.test/",
        "AVATARIUM_LOCAL_LLM_THREADS": "3",
        "AVATARIUM_LOCAL_LLM_SLOTS": "2",
    }
    settings = Settings(
        data_dir=tmp_path, provider_env=env, provider_breaker_threshold=7, provider_breaker_cooldown_seconds=3
    )
    providers = build_providers(settings)
    breaker = providers.tts["deepgram"]._call.breaker  # type: ignore[attr-defined]
    assert (breaker.threshold, breaker.cooldown) == (7, 3)
    assert {p for p in providers.specs if providers.configured(p)} == {"local", "openai", "google", "anthropic"}
    assert providers.llms["groq"]._base == "http://groq.test"  # type: ignore[attr-defined]
    assert providers.llms["local"]._threads == 3  # type: ignore[attr-defined]
    assert providers.llms["local"]._slots == 2  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="AVATARIUM_LOCAL_LLM_THREADS must be a whole number"):
        build_providers(Settings(data_dir=tmp_path, provider_env={"AVATARIUM_LOCAL_LLM_THREADS": "two"}))


def test_provider_variables_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEEPGRAM_API_KEY", "from-the-environment")
    monkeypatch.setenv("AVATARIUM_DEEPGRAM_BASE_URL", "http://deepgram.test")
    settings = Settings(data_dir=tmp_path)
    assert settings.provider_variable("DEEPGRAM_API_KEY") == "from-the-environment"
    assert settings.provider_variable("AVATARIUM_DEEPGRAM_BASE_URL") == "http://deepgram.test"
    assert settings.provider_variable("AVATARIUM_DATA_DIR") is None  # settings of our own are not provider variables
    assert "from-the-environment" not in repr(settings)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_the_threshold_and_half_opens_for_one_trial() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.failure()
    assert breaker.closed and breaker.allow()
    breaker.failure()
    assert not breaker.closed and not breaker.allow()
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow() and not breaker.allow() and not breaker.allow()  # one trial, the others refused
    breaker.failure()  # the trial failed: open again for a whole cooldown
    clock.now += 5
    assert not breaker.allow()
    clock.now += 5
    assert breaker.allow()
    breaker.release()  # the trial was cancelled: the next caller may try
    assert breaker.allow()
    breaker.success()
    assert breaker.closed and breaker.allow() and breaker.allow()


async def _vendor(handler: httpx.MockTransport, clock: Clock, **policy: float) -> VendorCall:
    settings = {"retries": 0, "breaker_threshold": 2, "breaker_cooldown": 30.0} | policy
    return VendorCall("acme", httpx.AsyncClient(transport=handler), Policy(clock=clock, **settings))  # type: ignore[arg-type]


async def test_half_open_lets_exactly_one_concurrent_call_through() -> None:
    clock, calls, release = Clock(), [], asyncio.Event()

    async def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) <= 2:
            return httpx.Response(503)
        await release.wait()
        return httpx.Response(200, text="ok")

    vendor = await _vendor(httpx.MockTransport(answer), clock)
    for _ in range(2):
        with pytest.raises(ProviderError):
            await vendor.read("GET", "http://acme.test/")
    clock.now += 30
    callers = [asyncio.create_task(vendor.read("GET", "http://acme.test/")) for _ in range(5)]
    await asyncio.sleep(0.05)
    release.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert len(calls) == 3  # the trial only
    assert sum(r == b"ok" for r in results) == 1
    assert all(isinstance(r, ProviderError) and r.category == "unavailable" for r in results if r != b"ok")
    assert vendor.breaker.closed
    assert await vendor.read("GET", "http://acme.test/") == b"ok"


@pytest.mark.parametrize("failure", ["stall", "break"])
async def test_a_stream_failing_midway_counts_against_the_breaker(failure: str) -> None:
    class Body(httpx.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def, override]
            yield b"data: first\n\n"
            if failure == "stall":
                await asyncio.sleep(10)
            raise httpx.ReadError("connection reset")

    vendor = await _vendor(httpx.MockTransport(lambda _: httpx.Response(200, stream=Body())), Clock(), deadline=0.2)
    for expected in ("timeout" if failure == "stall" else "unavailable",) * 2:
        with pytest.raises(ProviderError) as caught:
            async with vendor.stream("GET", "http://acme.test/") as response:
                async for _ in response.aiter_bytes():
                    pass
        assert caught.value.category == expected
    assert not vendor.breaker.closed
    with pytest.raises(ProviderError, match="circuit breaker"):
        await vendor.read("GET", "http://acme.test/")
