"""Speech-to-text in the provider layer: the catalogue, who serves a model, and the cloud vendors at the wire."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.base import ProviderError
from avatarium.providers.factory import build_providers
from avatarium.providers.registry import Providers
from testkit.fakes import vendors
from testkit.fakes.server import serve
from testkit.fakes.stt import ScriptedSTT
from testkit.fakes.vendors.harness import tone
from tests.conftest import make_providers
from tests.test_vendors import vendor_env

PCM = tone(16000, 1500)
CLOUD = ["deepgram/nova-3", "openai/gpt-4o-mini-transcribe", "groq/whisper-large-v3-turbo"]


@pytest.fixture(scope="module")
def vendor_base() -> Iterator[str]:
    with serve(vendors.app) as base:  # type: ignore[arg-type]
        yield base


@pytest.fixture(autouse=True)
def fresh_behaviour() -> None:
    vendors.STATE.reset()


@pytest.fixture
async def providers(tmp_path: Path, vendor_base: str) -> AsyncIterator[Providers]:
    settings = Settings(data_dir=tmp_path, provider_deadline_seconds=2, provider_env=vendor_env(vendor_base))
    built = build_providers(settings)
    built.stt["local"] = ScriptedSTT()
    yield built
    await built.close()


async def test_stt_models_are_listed_without_credentials(tmp_path: Path, database_url: str) -> None:
    providers = make_providers()
    providers.stt["local"] = ScriptedSTT()
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, jwt_secret="s" * 40), providers)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/v1/stt/models")
    await app.state.avatarium.engine.dispose()
    assert response.status_code == 200
    models = {m["id"]: m for m in response.json()["data"]}
    assert models["local/whisper-base"] == {
        "id": "local/whisper-base",
        "provider": "local",
        "name": "Whisper base (scripted)",
        "languages": ["en"],
        "available": True,
    }
    assert set(CLOUD) <= set(models) and not any(models[m]["available"] for m in CLOUD)
    assert "en" in models["deepgram/nova-3"]["languages"]


async def test_configured_vendors_are_available(providers: Providers) -> None:
    available = {m.id for m in providers.stt_models() if m.available}
    assert available >= {"local/whisper-base", *CLOUD}


@pytest.mark.parametrize(
    ("model", "timed"),
    [("deepgram/nova-3", True), ("groq/whisper-large-v3-turbo", True), ("openai/gpt-4o-mini-transcribe", False)],
)
async def test_each_cloud_vendor_transcribes(providers: Providers, model: str, timed: bool) -> None:
    provider, name = providers.stt_for(model, local_only=False)
    transcript = await provider.transcribe(PCM, 16000, name, "en")
    assert transcript.text == "Hello there, friend." and transcript.language == "en"
    assert transcript.duration_ms == 1500
    words = [(w.word, w.start_ms, w.end_ms) for w in transcript.words]
    assert words == ([("Hello", 100, 400), ("there,", 450, 800), ("friend.", 850, 1300)] if timed else [])
    ((vendor, sent),) = vendors.STATE.bodies
    assert vendor == model.split("/")[0] and sent["model"] == name and sent["language"] == "en"


async def test_a_spoken_socket_turn_asks_for_no_word_timings_and_for_the_language_only_when_unknown(
    providers: Providers,
) -> None:
    provider, name = providers.stt_for("groq/whisper-large-v3-turbo", local_only=False)
    given = await provider.transcribe_turn(PCM, 16000, name, "en")
    detected = await provider.transcribe_turn(PCM, 16000, name)
    assert given.text == detected.text == "Hello there, friend." and given.words == detected.words == []
    assert (given.language, detected.language) == ("en", "en")
    (_, plain), (_, verbose) = vendors.STATE.bodies
    assert plain["response_format"] == "json" and verbose["response_format"] == "verbose_json"
    assert "timestamp_granularities[]" not in plain | verbose


async def test_the_language_is_detected_when_not_given(providers: Providers) -> None:
    for model in ("deepgram/nova-3", "groq/whisper-large-v3-turbo"):
        provider, name = providers.stt_for(model, local_only=False)
        assert (await provider.transcribe(PCM, 16000, name)).language == "en"
    assert vendors.STATE.bodies[0][1]["detect_language"] == "true"


async def test_test_keys_are_served_by_the_embedded_model(providers: Providers) -> None:
    for model in CLOUD:
        provider, name = providers.stt_for(model, local_only=True)
        assert (provider.id, name) == ("local", "whisper-base")
    assert vendors.STATE.calls == {}


async def test_unknown_and_unconfigured_models(providers: Providers, tmp_path: Path) -> None:
    with pytest.raises(ProviderError) as unknown:
        providers.stt_for("deepgram/nova-9", local_only=False)
    assert (unknown.value.category, unknown.value.http_status, unknown.value.field) == ("unknown", 400, "model")
    bare = build_providers(Settings(data_dir=tmp_path, provider_env={}))
    with pytest.raises(ProviderError) as unconfigured:
        bare.stt_for("groq/whisper-large-v3-turbo", local_only=False)
    assert unconfigured.value.http_status == 503
    await bare.close()


@pytest.mark.parametrize(
    ("mode", "category", "calls"),
    [
        ("slow", "timeout", 1),
        ("rate_limit", "rate_limit", 2),
        ("error", "unavailable", 3),
        ("garbage", "unavailable", 1),
    ],
)
@pytest.mark.parametrize("model", CLOUD)
async def test_vendor_faults_become_provider_errors_without_leaks(
    providers: Providers, caplog: pytest.LogCaptureFixture, model: str, mode: str, category: str, calls: int
) -> None:
    vendors.STATE.mode, vendors.STATE.delay = mode, 3.0
    caplog.set_level(logging.DEBUG)
    provider, name = providers.stt_for(model, local_only=False)
    with pytest.raises(ProviderError) as caught:
        await provider.transcribe(PCM, 16000, name)
    vendor = model.split("/")[0]
    assert caught.value.category == category and vendors.STATE.calls[vendor] == calls
    for text in (str(caught.value), caplog.text):
        assert vendors.SECRET_IN_ERRORS not in text and vendors.KEYS[vendor] not in text
