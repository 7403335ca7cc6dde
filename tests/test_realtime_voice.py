"""Voice over the realtime socket (contract section 9): questions spoken by the embedded voice, streamed
to a real server as a microphone would, transcribed by the embedded Whisper and answered."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.base import ChatRequest
from testkit.fakes.llm import ScriptedLLM, echo_reply
from testkit.fakes.server import serve
from testkit.speech import frames, heard, silence, spoken
from tests.conftest import make_providers
from tests.test_realtime import Client, recv, until

QUESTION = "What is the capital of France?"
FIRST = "Tell me everything about the ocean"
LONG_REPLY = " ".join(f"This is sentence number {n} of a long answer about the sea." for n in range(1, 40))


def long_first(request: ChatRequest) -> str:
    return LONG_REPLY if request.messages[-1].content == FIRST else echo_reply(request)


@pytest.fixture
def llm() -> ScriptedLLM:
    return ScriptedLLM(reply=long_first, token_delay=0.01)


@pytest.fixture
def server(tmp_path: Path, database_url: str, llm: ScriptedLLM) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, jwt_secret="s" * 40)
    with serve(create_app(settings, make_providers(llm))) as base:
        yield base


@pytest.fixture
async def rt(server: str, database_url: str) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(base_url=server) as http:
        yield await Client(server, http, database_url).register()


async def declare(ws: ClientConnection, **input_audio: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "session.update", "inputAudio": input_audio}))
    updated = await recv(ws)
    assert updated["type"] == "session.updated", updated
    session: dict[str, Any] = updated["session"]
    return session


async def stream(
    ws: ClientConnection, pcm: bytes, rate: int = 16000, real_time: bool = True, frame_ms: int = 20
) -> None:
    """Microphone audio in binary frames, paced like a microphone (or as fast as possible)."""
    for frame in frames(pcm, frame_ms, rate):
        await ws.send(frame)
        if real_time:
            await asyncio.sleep(0.02)


async def test_a_question_spoken_in_real_time_is_heard_stored_and_answered(rt: Client) -> None:
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        session = await declare(ws, format="pcm_s16le", sampleRate=16000)
        assert session["inputAudio"] == {
            "format": "pcm_s16le",
            "sampleRate": 16000,
            "turnDetection": "server_vad",
            "silenceMs": 600,
            "minSpeechMs": 250,
            "bargeIn": True,
        }
        assert session["sttModel"] == "local/whisper-base"
        assert session["language"] == "en"  # the conversation's voice speaks American English
        await stream(ws, silence(500) + await spoken(QUESTION) + silence(1000))
        events = await until(ws, "reply.done", timeout=60)
        events += await until(ws, "state")

    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["speech.started", "speech.stopped", "transcript.done"]
    started, stopped, transcript = events[:3]
    assert 400 <= started["atMs"] < stopped["atMs"] <= 500 + len(await spoken(QUESTION)) // 32 + 200
    assert heard(transcript["text"], QUESTION)
    assert transcript["language"] == "en" and transcript["durationMs"] > 1000
    message = next(e["message"] for e in events if e["type"] == "message")
    assert message["role"] == "user" and message["source"] == "voice" and message["content"] == transcript["text"]
    done = events[kinds.index("reply.done")]["message"]
    assert done["content"].startswith("You said: " + transcript["text"])
    assert "audio" in kinds[kinds.index("message") : kinds.index("reply.done")]
    metrics = done["metrics"]
    assert metrics["sttMs"] > 0 and metrics["speechEndToFirstAudioMs"] >= metrics["ttfaMs"] >= 0
    assert events[-1] == {"type": "state", "state": "idle"}

    stored = (await rt.http.get(f"/v1/conversations/{conversation['id']}", headers=rt.headers)).json()["data"]
    user = [m for m in stored["messages"] if m["role"] == "user"]
    assert [(m["content"], m["source"]) for m in user] == [(transcript["text"], "voice")]
    assert "source" not in stored["messages"][-1]  # replies have no source
    metrics_text = (await rt.http.get("/metrics")).text
    assert "avatarium_stt_seconds_count" in metrics_text
    assert "avatarium_turn_speech_end_to_first_audio_seconds_count" in metrics_text


async def test_48_khz_audio_sent_faster_than_real_time_as_base64(rt: Client) -> None:
    conversation = await rt.conversation()
    pcm = silence(400, 48000) + await spoken(QUESTION, 48000) + silence(1000, 48000)
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await declare(ws, sampleRate=48000)
        for chunk in frames(pcm, 400, 48000):  # 400 ms per JSON frame: 51 KiB of base64
            await ws.send(json.dumps({"type": "input_audio.append", "data": base64.b64encode(chunk).decode()}))
        events = await until(ws, "reply.done", timeout=60)

    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["speech.started", "speech.stopped", "transcript.done"]
    assert heard(events[2]["text"], QUESTION)
    assert next(e for e in events if e["type"] == "message")["message"]["source"] == "voice"


async def test_manual_turns_end_on_commit_and_silence_starts_no_turn(rt: Client) -> None:
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await declare(ws, turnDetection="manual")
        await stream(ws, silence(300) + await spoken(QUESTION) + silence(300), real_time=False)
        await ws.send(json.dumps({"type": "input_audio.commit"}))
        answered = await until(ws, "reply.done", timeout=60)
        await until(ws, "state")

        await stream(ws, silence(1500), real_time=False)
        await ws.send(json.dumps({"type": "input_audio.commit"}))
        empty = await until(ws, "transcript.done", timeout=30)
        await ws.send(json.dumps({"type": "ping"}))
        after = await until(ws, "pong")

    assert [e["type"] for e in answered][:2] == ["transcript.done", "state"]  # no VAD events in manual mode
    assert heard(answered[0]["text"], QUESTION)
    assert empty == [{"type": "transcript.done", "text": "", "language": "en", "durationMs": 1500}]
    assert [e["type"] for e in after] == ["pong"]  # nothing heard, no turn
    stored = (await rt.http.get(f"/v1/conversations/{conversation['id']}", headers=rt.headers)).json()["data"]
    assert [m["role"] for m in stored["messages"]] == ["assistant", "user", "assistant"]


async def test_commit_of_silence_with_server_vad_gives_an_empty_transcript(rt: Client) -> None:
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await declare(ws)
        await stream(ws, silence(800), real_time=False)
        await ws.send(json.dumps({"type": "input_audio.commit"}))
        transcript = await recv(ws)
        await ws.send(json.dumps({"type": "ping"}))
        assert await recv(ws) == {"type": "pong"}
    assert transcript["type"] == "transcript.done" and transcript["text"] == ""


async def test_barge_in_by_voice_interrupts_the_avatar_but_a_cough_does_not(rt: Client) -> None:
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await declare(ws)
        await ws.send(json.dumps({"type": "message", "content": FIRST}))
        first_audio = (await until(ws, "audio", timeout=30))[-1]

        await stream(ws, silence(300) + await spoken("Huh.") + silence(700))
        await ws.send(json.dumps({"type": "ping"}))
        during_cough = await until(ws, "pong")
        assert "speech.started" not in [e["type"] for e in during_cough]
        assert "reply.done" not in [e["type"] for e in during_cough]  # still speaking

        await stream(ws, await spoken(QUESTION) + silence(1000))
        events = await until(ws, "transcript.done", timeout=60)
        events += await until(ws, "reply.done", timeout=60)

    kinds = [e["type"] for e in events]
    interrupted = next(e["message"] for e in events if e["type"] == "reply.done")
    assert interrupted["id"] == first_audio["messageId"] and interrupted["interrupted"] is True
    assert kinds.index("speech.started") < kinds.index("reply.done") < kinds.index("transcript.done")
    late = [e for e in events[kinds.index("reply.done") :] if e.get("messageId") == first_audio["messageId"]]
    assert late == []
    answer = events[-1]["message"]
    assert answer["interrupted"] is False and answer["content"].startswith("You said: ")
    assert heard(events[kinds.index("transcript.done")]["text"], QUESTION)


async def test_the_avatars_own_voice_heard_back_starts_no_turn(rt: Client, llm: ScriptedLLM) -> None:
    said = "The ocean covers most of our planet and holds many secrets."
    llm.reply = lambda _request: said
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await declare(ws)
        await ws.send(json.dumps({"type": "message", "content": "Tell me about the sea"}))
        await until(ws, "reply.done", timeout=30)
        await stream(ws, silence(300) + await spoken(said) + silence(1000), real_time=False)
        transcript = (await until(ws, "transcript.done", timeout=60))[-1]
        await ws.send(json.dumps({"type": "ping"}))
        after = await until(ws, "pong")
    assert transcript["text"] == ""
    assert "message" not in [e["type"] for e in after]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "session.update", "inputAudio": {"sampleRate": 44100}}, "BAD_REQUEST"),
        ({"type": "session.update", "inputAudio": {"format": "opus"}}, "BAD_REQUEST"),
        ({"type": "session.update", "inputAudio": {"silenceMs": 10}}, "BAD_REQUEST"),
        ({"type": "session.update", "sttModel": "local/whisper-huge"}, "BAD_REQUEST"),
        ({"type": "session.update", "language": "xx"}, "BAD_REQUEST"),
        ({"type": "input_audio.append", "data": "AAAA"}, "UNSUPPORTED_MEDIA_TYPE"),
        ({"type": "input_audio.commit"}, "BAD_REQUEST"),
        ({"type": "input_audio.clear"}, "BAD_REQUEST"),
        (b"\x00\x00" * 160, "UNSUPPORTED_MEDIA_TYPE"),
    ],
)
async def test_bad_audio_configuration_gets_an_error_and_the_socket_stays_open(
    rt: Client, frame: dict[str, Any] | bytes, code: str
) -> None:
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await ws.send(frame if isinstance(frame, bytes) else json.dumps(frame))
        error = await recv(ws)
        assert error["type"] == "error" and error["error"]["code"] == code, error
        await ws.send(json.dumps({"type": "ping"}))
        assert await recv(ws) == {"type": "pong"}


async def test_bad_audio_input_gets_an_error_and_listening_goes_on(rt: Client) -> None:
    conversation = await rt.conversation()
    async with rt.connect(conversation) as ws:
        await recv(ws)
        await declare(ws)
        await ws.send(b"\x00" * 321)
        odd = await recv(ws)
        await ws.send(json.dumps({"type": "input_audio.append", "data": "not base64!"}))
        not_base64 = await recv(ws)
        await declare(ws, turnDetection="manual")
        await stream(ws, silence(61_000), real_time=False, frame_ms=1000)
        too_long = await recv(ws)
        await stream(ws, silence(300) + await spoken(QUESTION) + silence(300), real_time=False)
        await ws.send(json.dumps({"type": "input_audio.commit"}))
        transcript = (await until(ws, "transcript.done", timeout=60))[-1]
    assert odd["error"]["code"] == "BAD_REQUEST" and "even number of bytes" in odd["error"]["message"]
    assert not_base64["error"]["code"] == "BAD_REQUEST"
    assert too_long["error"]["code"] == "PAYLOAD_TOO_LARGE" and "60 seconds" in too_long["error"]["message"]
    assert heard(transcript["text"], QUESTION)
