"""The embedded speech-to-text model on questions spoken by the embedded voice."""

from __future__ import annotations

import asyncio
import time

import pytest

from avatarium.providers.base import ProviderError
from avatarium.providers.local import whisper
from testkit.speech import heard, noise, silence, spoken
from tests.conftest import LOCAL_STT


def test_the_model_files_are_systrans_whisper_base_and_its_languages_come_from_the_tokenizer() -> None:
    files = whisper.model_files()
    assert set(files) == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert len(files["model.bin"]) == 145_217_532
    languages = whisper.languages()
    assert len(languages) == 99 and languages[:3] == ("en", "zh", "de") and "fr" in languages


async def test_a_question_is_transcribed_with_word_timings() -> None:
    question = "What is the capital of France, and how many people live there?"
    audio = silence(500) + await spoken(question) + silence(500)

    transcript = await LOCAL_STT.transcribe(audio, 16000, "whisper-base")

    assert heard(transcript.text, question)
    assert transcript.language == "en"
    assert transcript.duration_ms == round(len(audio) / 32)
    assert [w.word for w in transcript.words][:3] == ["What", "is", "the"]
    starts = [w.start_ms for w in transcript.words]
    assert starts == sorted(starts) and all(w.start_ms <= w.end_ms for w in transcript.words)
    assert transcript.words[-1].end_ms <= transcript.duration_ms


async def test_a_spoken_turn_is_transcribed_the_same_without_word_timings() -> None:
    question = "Can you help me with fractions?"
    audio = silence(300) + await spoken(question) + silence(300)

    full = await LOCAL_STT.transcribe(audio, 16000, "whisper-base", "en")
    turn = await LOCAL_STT.transcribe_turn(audio, 16000, "whisper-base", "en")
    detected = await LOCAL_STT.transcribe_turn(audio, 16000, "whisper-base")

    assert heard(turn.text, question) and heard(detected.text, question)
    assert full.words and turn.words == [] and detected.words == []
    assert (turn.language, detected.language) == ("en", "en")  # detected when not given
    assert turn.duration_ms == round(len(audio) / 32)


async def test_audio_at_another_rate_is_resampled_and_a_given_language_is_kept() -> None:
    transcript = await LOCAL_STT.transcribe(await spoken("Good morning, everyone.", 22050), 22050, "whisper-base", "en")
    assert heard(transcript.text, "Good morning, everyone.")
    assert transcript.language == "en"


async def test_silence_and_noise_give_no_words_and_an_undetermined_language() -> None:
    for audio in (silence(2000), noise(2000)):
        transcript = await LOCAL_STT.transcribe(audio, 16000, "whisper-base")
        assert (transcript.text, transcript.words, transcript.language) == ("", [], "und")
        assert transcript.duration_ms == 2000


async def test_unknown_models_and_languages_are_refused() -> None:
    with pytest.raises(ProviderError) as model:
        await LOCAL_STT.transcribe(silence(100), 16000, "whisper-large")
    assert (model.value.category, model.value.field) == ("unknown", "model")
    with pytest.raises(ProviderError) as language:
        await LOCAL_STT.transcribe(silence(100), 16000, "whisper-base", "xx")
    assert (language.value.category, language.value.field) == ("unknown", "language")


async def test_transcription_runs_off_the_event_loop() -> None:
    await LOCAL_STT.warm()
    audio = await spoken("Tell me a story about a dragon who learned to fly.")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await LOCAL_STT.transcribe(audio, 16000, "whisper-base")
    elapsed = time.perf_counter() - started
    ticker.cancel()
    # The loop kept turning all along: at least a third of the ticks a free loop would have made.
    assert ticks >= elapsed / 0.01 / 3
