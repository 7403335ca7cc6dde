"""Text-to-speech endpoints with the real embedded Piper voice."""

from __future__ import annotations

import asyncio
import base64
import io
import wave
from itertools import pairwise
from typing import Any

import httpx
import pytest

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.registry import Providers
from testkit.fakes import tts as instant_tts
from testkit.fakes.llm import ScriptedLLM
from testkit.fakes.tts import InstantTTS
from tests.conftest import Account, new_account

VOICE = "piper-en-us-joe"


async def _tts(client: httpx.AsyncClient, account: Account, **body: Any) -> httpx.Response:
    return await client.post(
        "/v1/tts", json={"text": "Hello there, how are you today?", **body}, headers=account.key_headers
    )


def _check_visemes(visemes: list[dict[str, Any]], duration_ms: int) -> None:
    assert visemes[0]["startMs"] == 0
    assert abs(visemes[-1]["endMs"] - duration_ms) <= 12  # one frame of 256 samples at 22.05 kHz
    for before, after in pairwise(visemes):
        assert before["endMs"] == after["startMs"] and before["startMs"] < before["endMs"]
        assert before["viseme"] != after["viseme"]
    assert {v["viseme"] for v in visemes} <= {
        "viseme_sil", "viseme_PP", "viseme_FF", "viseme_TH", "viseme_DD", "viseme_kk", "viseme_CH", "viseme_SS",
        "viseme_nn", "viseme_RR", "viseme_aa", "viseme_E", "viseme_I", "viseme_O", "viseme_U",
    }  # fmt: skip


async def test_wav_result_lines_up(client: httpx.AsyncClient, account: Account) -> None:
    data = (await _tts(client, account)).json()["data"]
    assert data["format"] == "wav" and data["voiceId"] == VOICE and data["provider"] == "local"
    with wave.open(io.BytesIO(base64.b64decode(data["audio"]))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, data["sampleRate"])
        frames = wav.getnframes()
    assert data["sampleRate"] == 22050
    assert data["durationMs"] == round(frames * 1000 / data["sampleRate"])
    _check_visemes(data["visemes"], data["durationMs"])
    assert len({v["viseme"] for v in data["visemes"]}) >= 6


async def test_speed_changes_duration(client: httpx.AsyncClient, account: Account) -> None:
    normal = (await _tts(client, account)).json()["data"]["durationMs"]
    fast = (await _tts(client, account, speed=2.0)).json()["data"]["durationMs"]
    slow = (await _tts(client, account, speed=0.5)).json()["data"]["durationMs"]
    assert fast < normal * 0.7 and slow > normal * 1.5


async def test_pcm_and_mp3_formats(client: httpx.AsyncClient, account: Account) -> None:
    pcm = (await _tts(client, account, format="pcm_s16le")).json()["data"]
    samples = len(base64.b64decode(pcm["audio"])) // 2
    assert round(samples * 1000 / pcm["sampleRate"]) == pcm["durationMs"]
    mp3 = base64.b64decode((await _tts(client, account, format="mp3")).json()["data"]["audio"])
    assert mp3[:3] == b"ID3" or (mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0)


@pytest.mark.parametrize(("accept", "media"), [("audio/wav", "audio/wav"), ("audio/mpeg", "audio/mpeg")])
async def test_raw_audio_negotiation(client: httpx.AsyncClient, account: Account, accept: str, media: str) -> None:
    response = await client.post(
        "/v1/tts", json={"text": "Raw bytes please."}, headers={**account.key_headers, "Accept": accept}
    )
    assert response.headers["content-type"] == media
    assert int(response.headers["X-Audio-Duration-Ms"]) > 300
    assert response.headers["X-Voice-Id"] == VOICE
    if media == "audio/wav":
        assert response.content[:4] == b"RIFF"


async def test_long_text_is_spoken_sentence_by_sentence(client: httpx.AsyncClient, account: Account) -> None:
    text = " ".join(f"This is sentence number {n}." for n in range(1, 6))
    data = (await _tts(client, account, text=text)).json()["data"]
    assert data["durationMs"] > 5000
    _check_visemes(data["visemes"], data["durationMs"])


@pytest.mark.parametrize("text", ["!!!", "😀 🎉", "..."])
async def test_unspeakable_text_is_short_silence(client: httpx.AsyncClient, account: Account, text: str) -> None:
    data = (await _tts(client, account, text=text)).json()["data"]
    assert 0 < data["durationMs"] <= 500
    assert data["visemes"] == [{"viseme": "viseme_sil", "startMs": 0, "endMs": data["durationMs"]}]


@pytest.mark.parametrize("path", ["/v1/tts", "/v1/tts/preview", "/v1/tts/elevenlabs"])
async def test_control_characters_never_reach_a_synthesiser(client: httpx.AsyncClient, path: str) -> None:
    account = await new_account(client, mode="test")  # test keys reach the embedded voice on every route
    body = {"text": "Hello\u0001 there,\u0007 friend\u001b.\u200b", "voiceId": "piper-en-us-joe"}
    response = await client.post(path, json=body, headers=account.key_headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["durationMs"] > 500
    refused = await client.post(path, json={**body, "text": "Hello\u0000 there"}, headers=account.key_headers)
    assert refused.status_code == 400 and "U+0000" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        ({"text": ""}, "text", "text"),
        ({"text": "x" * 5001}, "text", "5000"),
        ({"text": "   "}, "text", "blank"),
        ({"text": "hi", "voiceId": "nobody"}, "voiceId", "nobody"),
        ({"text": "hi", "format": "ogg"}, "format", "wav, pcm_s16le, mp3"),
        ({"text": "hi", "speed": 3}, "speed", "2"),
        ({"text": "hi", "speed": 0.1}, "speed", "0.5"),
    ],
)
async def test_bad_input(
    client: httpx.AsyncClient, account: Account, body: dict[str, Any], field: str, needle: str
) -> None:
    response = await client.post("/v1/tts", json=body, headers=account.key_headers)
    error = response.json()["error"]
    assert response.status_code == 400
    assert error["details"][0]["field"] == field and needle in error["message"]


async def test_preview_is_cached_per_voice(client: httpx.AsyncClient, account: Account) -> None:
    first = await client.post("/v1/tts/preview", json={"voiceId": VOICE}, headers=account.key_headers)
    second = await client.post("/v1/tts/preview", json={"voiceId": VOICE}, headers=account.key_headers)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert first.json()["data"]["audio"] == second.json()["data"]["audio"]
    assert (await client.post("/v1/tts/preview", json={}, headers=account.key_headers)).status_code == 400
    missing = await client.post("/v1/tts/preview", json={"voiceId": "nobody"}, headers=account.key_headers)
    assert missing.status_code == 400


@pytest.mark.parametrize("vendor", ["elevenlabs", "groq", "deepgram"])
async def test_unconfigured_vendors_are_503(client: httpx.AsyncClient, account: Account, vendor: str) -> None:
    response = await client.post(f"/v1/tts/{vendor}", json={"text": "hello"}, headers=account.key_headers)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


async def test_test_keys_get_the_local_voice_on_vendor_routes(client: httpx.AsyncClient) -> None:
    account = await new_account(client, mode="test")
    response = await client.post("/v1/tts/elevenlabs", json={"text": "hello"}, headers=account.key_headers)
    assert response.status_code == 200 and response.json()["data"]["provider"] == "local"


async def test_tts_needs_a_key(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/tts", json={"text": "hi"})).status_code == 401


async def test_eight_concurrent_syntheses(client: httpx.AsyncClient, account: Account) -> None:
    texts = [f"Request number {n} is being spoken now." for n in range(8)]
    responses = await asyncio.gather(*(_tts(client, account, text=t) for t in texts))
    for response in responses:
        data = response.json()["data"]
        assert response.status_code == 200
        _check_visemes(data["visemes"], data["durationMs"])
        with wave.open(io.BytesIO(base64.b64decode(data["audio"]))) as wav:
            assert round(wav.getnframes() * 1000 / 22050) == data["durationMs"]


async def test_piper_visemes_come_from_its_phoneme_alignment() -> None:
    from avatarium.providers.local.tts import LocalTTS

    speech = await LocalTTS().synthesize("Good morning, everyone.", VOICE)
    assert speech.aligned  # not the estimate: the alignment extra of piper-tts is installed and used
    assert speech.visemes[-1].end_ms == speech.duration_ms


@pytest.mark.parametrize(
    ("voice", "text"),
    [
        ("espeak-es", "Hola, ¿cómo estás? Me llamo Pablo."),
        ("espeak-fr", "Bonjour, comment allez-vous aujourd'hui ?"),
        ("espeak-de", "Guten Morgen, wie geht es Ihnen?"),
        ("espeak-en-gb", "Good afternoon, shall we begin?"),
    ],
)
async def test_espeak_voices_in_other_languages(
    client: httpx.AsyncClient, account: Account, voice: str, text: str
) -> None:
    data = (await _tts(client, account, text=text, voiceId=voice)).json()["data"]
    assert data["voiceId"] == voice and data["provider"] == "local" and data["sampleRate"] == 22050
    with wave.open(io.BytesIO(base64.b64decode(data["audio"]))) as wav:
        assert round(wav.getnframes() * 1000 / 22050) == data["durationMs"] > 500
    _check_visemes(data["visemes"], data["durationMs"])
    assert len({v["viseme"] for v in data["visemes"]}) >= 5


async def test_espeak_visemes_are_aligned_and_speed_applies() -> None:
    from avatarium.providers.local.tts import LocalTTS

    voices = LocalTTS()
    normal = await voices.synthesize("Hola, buenos días a todos.", "espeak-es")
    fast = await voices.synthesize("Hola, buenos días a todos.", "espeak-es", speed=2.0)
    assert normal.aligned and fast.duration_ms < normal.duration_ms * 0.75


async def test_concurrent_espeak_and_piper(client: httpx.AsyncClient, account: Account) -> None:
    voices = ["espeak-es", "piper-en-us-joe", "espeak-fr", "piper-en-us-joe", "espeak-de", "espeak-en-gb"]
    responses = await asyncio.gather(*(_tts(client, account, text="One, two, three.", voiceId=v) for v in voices))
    for voice, response in zip(voices, responses, strict=True):
        data = response.json()["data"]
        assert data["voiceId"] == voice
        _check_visemes(data["visemes"], data["durationMs"])


async def test_pauses_in_joined_speech_take_the_voices_own_rate(settings: Settings) -> None:
    """A voice at 16 kHz (not the 22.05 kHz of Piper): a leading emoji-only sentence must not change the rate."""
    app = create_app(settings, Providers({"local": ScriptedLLM()}, {"local": InstantTTS()}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        account = await new_account(client, mode="test")
        response = await client.post(
            "/v1/tts", json={"text": "🎉! Hello there."}, headers={**account.key_headers, "Accept": "audio/wav"}
        )
    await app.state.avatarium.engine.dispose()
    with wave.open(io.BytesIO(response.content)) as wav:
        rate, frames = wav.getframerate(), wav.getnframes()
    assert rate == instant_tts.RATE
    assert int(response.headers["X-Audio-Duration-Ms"]) == round(frames * 1000 / rate)
