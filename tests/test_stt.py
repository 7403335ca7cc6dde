"""POST /v1/stt: recordings in every container browsers and phones produce, limits and errors."""

from __future__ import annotations

import httpx
import pytest

from avatarium.stt import decode
from testkit.speech import encode, heard, silence, spoken
from tests.conftest import Account, new_account

QUESTION = "How far away is the moon?"
MEDIA = {"wav": "audio/wav", "mp3": "audio/mpeg", "webm": "audio/webm", "ogg": "audio/ogg", "mp4": "audio/mp4"}


async def recording(container: str) -> bytes:
    return encode(silence(300, 24000) + await spoken(QUESTION, 24000) + silence(300, 24000), 24000, container)


@pytest.mark.parametrize("container", list(MEDIA))
async def test_each_container_is_transcribed(client: httpx.AsyncClient, account: Account, container: str) -> None:
    response = await client.post(
        "/v1/stt", content=await recording(container), headers={**account.key_headers, "Content-Type": MEDIA[container]}
    )

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert heard(data["text"], QUESTION)
    assert data["language"] == "en" and data["model"] == "local/whisper-base"
    assert abs(data["durationMs"] - len(await spoken(QUESTION)) // 32 - 600) <= 120  # codecs pad a little
    assert [w["word"] for w in data["words"]][:2] == ["How", "far"]
    assert set(data["words"][0]) == {"word", "startMs", "endMs"}


async def test_multipart_with_model_and_language(client: httpx.AsyncClient, account: Account) -> None:
    files = {"file": ("question.webm", await recording("webm"), "audio/webm;codecs=opus")}
    form = {"model": "local/whisper-base", "language": "en"}
    response = await client.post("/v1/stt", files=files, data=form, headers=account.key_headers)

    assert response.status_code == 200, response.text
    assert heard(response.json()["data"]["text"], QUESTION)


async def test_a_multipart_file_without_a_type_is_known_by_its_extension(
    client: httpx.AsyncClient, account: Account
) -> None:
    files = {"file": ("memo.m4a", await recording("mp4"), "application/octet-stream")}
    response = await client.post("/v1/stt", files=files, headers=account.key_headers)
    assert response.status_code == 200, response.text

    files = {"file": ("memo.bin", await recording("mp4"), "application/octet-stream")}
    unknown = await client.post("/v1/stt", files=files, headers=account.key_headers)
    assert unknown.status_code == 415


async def test_raw_body_takes_model_and_language_from_the_query(client: httpx.AsyncClient, account: Account) -> None:
    headers = {**account.key_headers, "Content-Type": "audio/wav"}
    response = await client.post("/v1/stt?language=en", content=await recording("wav"), headers=headers)
    assert response.status_code == 200
    assert response.json()["data"]["language"] == "en"

    unknown_model = await client.post("/v1/stt?model=local/whisper-huge", content=b"RIFF", headers=headers)
    assert unknown_model.status_code == 400
    assert unknown_model.json()["error"]["details"] == [{"field": "model", "issue": "unknown"}]
    bad_language = await client.post("/v1/stt?language=klingon", content=b"RIFF", headers=headers)
    assert bad_language.status_code == 400
    assert "language" in bad_language.json()["error"]["message"]


async def test_silence_gives_an_empty_transcript(client: httpx.AsyncClient, account: Account) -> None:
    headers = {**account.key_headers, "Content-Type": "audio/wav"}
    response = await client.post("/v1/stt", content=encode(silence(1500), 16000, "wav"), headers=headers)

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["text"], data["words"], data["durationMs"]) == ("", [], 1500)


async def test_undecodable_audio_is_a_400(client: httpx.AsyncClient, account: Account) -> None:
    mp3 = await recording("mp3")
    for body, media in ((b"this is not audio at all" * 100, "audio/ogg"), (mp3, "audio/wav"), (b"", "audio/wav")):
        response = await client.post("/v1/stt", content=body, headers={**account.key_headers, "Content-Type": media})
        assert response.status_code == 400, (media, response.text)
        assert response.json()["error"]["code"] == "BAD_REQUEST"


async def test_a_truncated_webm_is_a_400(client: httpx.AsyncClient, account: Account) -> None:
    webm = await recording("webm")
    headers = {**account.key_headers, "Content-Type": "audio/webm"}
    response = await client.post("/v1/stt", content=webm[:200], headers=headers)
    assert response.status_code == 400


@pytest.mark.parametrize("media", ["text/plain", "audio/flac", "image/png", "application/json"])
async def test_unsupported_types_are_a_415(client: httpx.AsyncClient, account: Account, media: str) -> None:
    response = await client.post("/v1/stt", content=b"1234", headers={**account.key_headers, "Content-Type": media})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "audio/wav" in response.json()["error"]["message"]


async def test_multipart_without_a_file_or_with_unknown_fields_is_a_400(
    client: httpx.AsyncClient, account: Account
) -> None:
    response = await client.post("/v1/stt", data={"model": "local/whisper-base"}, files={}, headers=account.key_headers)
    assert response.status_code in (400, 415)
    only_text = await client.post(
        "/v1/stt", files={"language": (None, "en"), "model": (None, "local/whisper-base")}, headers=account.key_headers
    )
    assert only_text.status_code == 400
    assert only_text.json()["error"]["details"] == [{"field": "file", "issue": "required"}]
    extra = await client.post(
        "/v1/stt", files={"file": ("a.wav", b"RIFF", "audio/wav"), "prompt": (None, "x")}, headers=account.key_headers
    )
    assert extra.status_code == 400


async def test_over_25_mb_is_a_413_before_the_body_is_read(client: httpx.AsyncClient, account: Account) -> None:
    too_big = decode.MAX_UPLOAD_BYTES + 100 * 1024
    headers = {**account.key_headers, "Content-Type": "audio/wav", "Content-Length": str(too_big)}
    response = await client.post("/v1/stt", content=b"", headers=headers)
    assert response.status_code == 413

    just_over = b"\x00" * (decode.MAX_UPLOAD_BYTES + 1)
    response = await client.post(
        "/v1/stt", content=just_over, headers={**account.key_headers, "Content-Type": "audio/wav"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_over_10_minutes_is_a_413(client: httpx.AsyncClient, account: Account) -> None:
    long_silence = encode(silence(10 * 60 * 1000 + 5000, 8000), 8000, "ogg")
    assert len(long_silence) < decode.MAX_UPLOAD_BYTES
    headers = {**account.key_headers, "Content-Type": "audio/ogg"}
    response = await client.post("/v1/stt", content=long_silence, headers=headers)
    assert response.status_code == 413
    assert "10 minutes" in response.json()["error"]["message"]


async def test_an_api_key_or_jwt_is_required(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/stt", content=b"RIFF", headers={"Content-Type": "audio/wav"})
    assert response.status_code == 401


async def test_test_keys_are_served_by_the_embedded_model(client: httpx.AsyncClient) -> None:
    test_account = await new_account(client, mode="test")
    files = {"file": ("q.wav", await recording("wav"), "audio/wav")}
    response = await client.post(
        "/v1/stt", files=files, data={"model": "local/whisper-base"}, headers=test_account.key_headers
    )
    assert response.status_code == 200
    assert response.json()["data"]["model"] == "local/whisper-base"
