"""Voice input on the embedded defaults: how fast and how well the user is heard, and how soon answered.

    python -m bench.voice

1. Speech-to-text real-time factor of local/whisper-base: the engine alone (baseline) and
   through POST /v1/stt, on the questions below spoken by the embedded voice.
2. Word error rate on those questions (target ≤ 10 %), with Piper Joe (the default voice)
   and, as a second speaker, eSpeak NG British English.
3. `speech.stopped` → first `audio` over the socket, questions streamed in real time
   (target p50 ≤ 700 ms on 2 cores); baseline: text `message` → first `audio`, same server.
4. Text `message` → first `audio` (target p50 ≤ 250 ms); baseline: the raw engines in
   process, LLM to its first sentence (what a reply waited for before clause splitting)
   and to its first clause, each plus Piper synthesising it.
5. Our overhead: 3. with zero-latency fake STT, LLM and TTS (target ≤ 20 ms p50), against
   text turns on the same fakes.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from contextlib import aclosing
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from avatarium.presets.catalog import Catalog
from avatarium.providers.base import ChatMessage, ChatRequest
from avatarium.providers.local.llm import MODEL_NAME, LocalLLM
from avatarium.providers.local.tts import LocalTTS
from avatarium.providers.local.whisper import LocalWhisperSTT
from avatarium.text import FIRST_CLAUSE_WORDS, SentenceChunker
from avatarium.voice.pcm import resample
from bench.common import bench_database, percentile, uvicorn_process
from testkit.speech import encode, frames, silence

QUESTIONS = [
    "What is the capital of France?",
    "How far away is the moon from the earth?",
    "Can you help me with my homework tonight?",
    "What is the weather like in London today?",
    "Why is the sky blue during the day?",
    "How do airplanes stay up in the air?",
    "What should I cook for dinner this evening?",
    "Who wrote the play Romeo and Juliet?",
    "How many legs does a spider have?",
    "What is the best way to learn a new language?",
    "Could you recommend a good book to read?",
    "Where do penguins live in the wild?",
    "What time does the museum open on Sunday?",
    "How do I reset my password for this account?",
    "Why do cats purr when they are happy?",
    "What is the difference between weather and climate?",
    "Can you explain how photosynthesis works?",
    "What are the main causes of the French Revolution?",
    "How long should I boil an egg for breakfast?",
    "Is it going to rain tomorrow morning?",
    "What does a software engineer do all day?",
    "How can I improve my sleep at night?",
    "Which planet is the largest in our solar system?",
    "What is your favourite colour and why?",
    "Tell me a short story about a brave knight.",
    "How do I get to the train station from here?",
    "What is the tallest mountain in the world?",
    "Can dogs see colours the way we do?",
    "Why do leaves change colour in autumn?",
    "How does a refrigerator keep food cold?",
    "What is the meaning of the word serendipity?",
    "Should I take an umbrella with me today?",
]
VOICES = ("piper-en-us-joe", "espeak-en-gb")
TURNS, WARMUP = 20, 2


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("colour", "color").replace("favourite", "favorite"))


def word_errors(reference: str, heard: str) -> tuple[int, int]:
    """Substitutions, insertions and deletions between the word sequences; and the reference's length."""
    ref, hyp = _words(reference), _words(heard)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1], len(ref)


def _ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:6.0f} ms  p95 {percentile(values, 95) * 1000:6.0f} ms"


async def _spoken(tts: LocalTTS, voice: str) -> list[bytes]:
    spoken = []
    for question in QUESTIONS:
        speech = await tts.synthesize(question, voice)
        spoken.append(resample(speech.pcm, speech.sample_rate))
    return spoken


async def _engine(stt: LocalWhisperSTT, recordings: list[bytes]) -> tuple[float, list[str]]:
    """Seconds of compute and the transcripts, the engine alone."""
    await stt.warm()
    elapsed, texts = 0.0, []
    for pcm in recordings:
        started = time.perf_counter()
        texts.append((await stt.transcribe(pcm, 16000, "whisper-base")).text)
        elapsed += time.perf_counter() - started
    return elapsed, texts


async def _api(base: str, headers: dict[str, str], recordings: list[bytes]) -> tuple[float, list[str]]:
    elapsed, texts = 0.0, []
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        for pcm in recordings:
            body = encode(pcm, 16000, "wav")
            started = time.perf_counter()
            response = await http.post("/v1/stt", content=body, headers={**headers, "Content-Type": "audio/wav"})
            elapsed += time.perf_counter() - started
            texts.append(response.json()["data"]["text"])
    return elapsed, texts


async def _open(http: httpx.AsyncClient, base: str, headers: dict[str, str]) -> ClientConnection:
    created = (await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=headers)).json()["data"]
    ws = await connect(
        base.replace("http", "ws", 1) + f"/v1/conversations/{created['id']}/ws", additional_headers=headers
    )
    await ws.recv()  # ready
    await ws.send(json.dumps({"type": "session.update", "inputAudio": {"sampleRate": 16000}}))
    await ws.recv()  # session.updated
    return ws


async def _first_audio(ws: ClientConnection, start_on: str | None, started: float) -> tuple[float, dict[str, Any]]:
    """Seconds from `started` (or from the `start_on` event) to the first audio; then stops the reply."""
    while True:
        event: dict[str, Any] = json.loads(await ws.recv())
        if event["type"] == start_on:
            started = time.perf_counter()
        elif event["type"] == "audio":
            first = time.perf_counter() - started
            await ws.send(json.dumps({"type": "interrupt"}))
            break
    while (event := json.loads(await ws.recv()))["type"] != "reply.done":
        pass
    while json.loads(await ws.recv()) != {"type": "state", "state": "idle"}:
        pass
    return first, event["message"].get("metrics", {})


async def _stream(ws: ClientConnection, pcm: bytes) -> None:
    for frame in frames(silence(300) + pcm + silence(1200), 20):
        await ws.send(frame)
        await asyncio.sleep(0.02)


async def _turns(base: str, headers: dict[str, str], recordings: list[bytes], spoken: bool) -> list[tuple[float, Any]]:
    """Per turn: seconds to the first audio (from speech.stopped, or from sending the text) and the metrics."""
    results = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        for n in range(WARMUP + TURNS):
            if n % 5 == 0:  # a fresh conversation now and then keeps the history short
                ws = await _open(http, base, headers)
            question = n % len(QUESTIONS)
            if spoken:
                streaming = asyncio.create_task(_stream(ws, recordings[question]))
                result = await _first_audio(ws, "speech.stopped", time.perf_counter())
                await streaming
            else:
                started = time.perf_counter()
                await ws.send(json.dumps({"type": "message", "content": QUESTIONS[question]}))
                result = await _first_audio(ws, None, started)
            if n >= WARMUP:
                results.append(result)
    return results


async def _raw_first_audio(llm: LocalLLM, tts: LocalTTS, system: str, clause: bool) -> list[float]:
    """In process, no server: the LLM to its first sentence (or clause), then Piper on it."""
    await llm.warm()
    await tts.warm()
    results = []
    for n in range(WARMUP + TURNS):
        request = ChatRequest(MODEL_NAME, [ChatMessage("system", system), ChatMessage("user", QUESTIONS[n % 32])])
        chunker = SentenceChunker(first_clause_words=FIRST_CLAUSE_WORDS if clause else None)
        started = time.perf_counter()
        first: list[str] = []
        async with aclosing(llm.stream(request)) as events:
            async for item in events:
                if isinstance(item, str) and (first := chunker.feed(item)):
                    break
        await tts.synthesize(first[0] if first else (chunker.flush() or "Hello."), "piper-en-us-joe")
        if n >= WARMUP:
            results.append(time.perf_counter() - started)
    return results


def _wer(texts: list[str]) -> float:
    errors = [word_errors(q, t) for q, t in zip(QUESTIONS, texts, strict=True)]
    return sum(e for e, _ in errors) / sum(n for _, n in errors)


def _say(line: str) -> None:
    print(line, flush=True)


def main() -> None:
    catalog = Catalog.load()
    tts = LocalTTS()
    recordings = {voice: asyncio.run(_spoken(tts, voice)) for voice in VOICES}
    audio_seconds = sum(len(pcm) for pcm in recordings[VOICES[0]]) / 32000
    stt = LocalWhisperSTT()
    engine_seconds, engine_texts = asyncio.run(_engine(stt, recordings[VOICES[0]]))
    _, espeak_texts = asyncio.run(_engine(stt, recordings[VOICES[1]]))
    asyncio.run(stt.close())
    system = catalog.personas[catalog.avatars["ava"].default_persona_id].system_prompt
    llm = LocalLLM()
    raw_sentence = asyncio.run(_raw_first_audio(llm, tts, system, clause=False))
    raw_clause = asyncio.run(_raw_first_audio(llm, tts, system, clause=True))
    llm.unload()

    env, headers = bench_database("voice")
    with uvicorn_process("avatarium.server:app", env) as served:
        api_seconds, api_texts = asyncio.run(_api(served.base, headers, recordings[VOICES[0]]))
        _say(
            f"1. STT real-time factor ({len(QUESTIONS)} questions, {audio_seconds:.0f} s of speech): engine alone"
            f" {engine_seconds / audio_seconds:.3f}, through POST /v1/stt {api_seconds / audio_seconds:.3f}"
            f" (ratio {api_seconds / engine_seconds:.2f}×)"
        )
        _say(
            f"2. word error rate: Piper Joe {_wer(engine_texts):.1%} (through the API {_wer(api_texts):.1%}),"
            f" eSpeak en-GB {_wer(espeak_texts):.1%}   target ≤ 10 %"
        )
        voice = asyncio.run(_turns(served.base, headers, recordings[VOICES[0]], spoken=True))
        text = asyncio.run(_turns(served.base, headers, recordings[VOICES[0]], spoken=False))
    voice_first, text_first = [v for v, _ in voice], [t for t, _ in text]
    stt_ms = [m["sttMs"] / 1000 for _, m in voice if m.get("sttMs") is not None]
    server_side = [m["speechEndToFirstAudioMs"] / 1000 for _, m in voice if m.get("speechEndToFirstAudioMs")]
    _say(f"3. speech.stopped → first audio ({TURNS} spoken turns): {_ms(voice_first)}   target p50 ≤ 700 ms")
    _say(f"   server's speechEndToFirstAudioMs {_ms(server_side)};  sttMs {_ms(stt_ms)}")
    _say(
        f"   baseline, text message → first audio on the same server: {_ms(text_first)}"
        f"   ratio {percentile(voice_first, 50) / percentile(text_first, 50):.2f}×"
    )
    _say(f"4. text message → first audio: {_ms(text_first)}   target p50 ≤ 250 ms")
    _say(
        f"   baseline, raw engines to the first sentence + Piper: {_ms(raw_sentence)};"
        f" to the first clause + Piper: {_ms(raw_clause)}"
    )
    _say(f"   server / raw first clause {percentile(text_first, 50) / percentile(raw_clause, 50):.2f}×")

    with uvicorn_process("bench.voice_fakes:app", env) as served:
        fake_voice = [v for v, _ in asyncio.run(_turns(served.base, headers, recordings[VOICES[0]], spoken=True))]
        fake_text = [t for t, _ in asyncio.run(_turns(served.base, headers, recordings[VOICES[0]], spoken=False))]
    overhead = (percentile(fake_voice, 50) - percentile(fake_text, 50)) * 1000
    _say(f"5. zero-latency fakes: speech.stopped → first audio {_ms(fake_voice)}; text → first audio {_ms(fake_text)}")
    _say(f"   voice overhead over text {overhead:+.1f} ms p50   target ≤ 20 ms")


if __name__ == "__main__":
    main()
