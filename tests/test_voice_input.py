"""Voice activity and turn detection on real speech from the embedded voice, independent of any socket."""

from __future__ import annotations

import numpy as np
import pytest

from avatarium.errors import ApiError
from avatarium.voice.input import MAX_FRAME_BYTES, InputAudio, VoiceEvent, VoiceInput
from avatarium.voice.pcm import Resampler, to_float
from avatarium.voice.vad import WINDOW, SileroModel
from testkit.speech import frames, noise, silence, spoken

VAD = SileroModel()
QUESTION = "What is the capital of France?"


def feed(voice: VoiceInput, audio: bytes, frame_ms: int = 20, rate: int = 16000) -> list[VoiceEvent]:
    return [event for frame in frames(audio, frame_ms, rate) for event in voice.append(frame)]


def turns(events: list[VoiceEvent]) -> list[tuple[str, int]]:
    """The events a client sees: starts and stops."""
    return [(e.kind, e.at_ms) for e in events if e.kind in ("started", "stopped")]


def voiced_span_ms(pcm: bytes) -> tuple[int, int]:
    """Where the synthesised speech really starts and ends (the voice pads its output with a little silence)."""
    loud = np.flatnonzero(np.abs(np.frombuffer(pcm, dtype="<i2")) > 500)
    return int(loud[0]) // 16, int(loud[-1]) // 16


async def test_a_spoken_question_is_one_utterance_from_its_start_to_its_end() -> None:
    question = await spoken(QUESTION)
    first, last = voiced_span_ms(question)
    events = feed(VoiceInput(InputAudio(), VAD), silence(800) + question + silence(1000))

    (started, started_at), (stopped, stopped_at) = turns(events)
    assert (started, stopped) == ("started", "stopped")
    assert abs(started_at - (800 + first)) <= 100
    assert abs(stopped_at - (800 + last)) <= 150
    utterance = next(e.utterance for e in events if e.kind == "stopped")
    assert utterance is not None and utterance.speech
    # The whole question, with the pre-roll in front (the first syllable is heard late) and a short tail.
    assert stopped_at - started_at + 300 <= utterance.duration_ms <= stopped_at - started_at + 300 + 200


async def test_the_turn_ends_only_after_silence_ms_of_silence() -> None:
    question = await spoken(QUESTION)
    audio = silence(500) + question + silence(450) + question + silence(1500)

    assert [k for k, _ in turns(feed(VoiceInput(InputAudio(silence_ms=800), VAD), audio))] == ["started", "stopped"]
    split = turns(feed(VoiceInput(InputAudio(silence_ms=300), VAD), audio))
    assert [k for k, _ in split] == ["started", "stopped", "started", "stopped"]


async def test_a_cough_shorter_than_min_speech_ms_starts_nothing() -> None:
    grunt = silence(500) + await spoken("Huh.") + silence(1000)  # about 130 ms of voice, as short as a cough

    assert feed(VoiceInput(InputAudio(), VAD), grunt) == []
    assert [k for k, _ in turns(feed(VoiceInput(InputAudio(min_speech_ms=64), VAD), grunt))] == ["started", "stopped"]


async def test_room_noise_is_not_speech() -> None:
    assert feed(VoiceInput(InputAudio(), VAD), noise(3000) + noise(2000, level=2000, seed=3)) == []


@pytest.mark.parametrize("rate", [24000, 48000])
async def test_microphones_at_24_and_48_khz_are_heard_like_16_khz(rate: int) -> None:
    at_16k = turns(feed(VoiceInput(InputAudio(), VAD), silence(800) + await spoken(QUESTION) + silence(1000)))
    audio = silence(800, rate) + await spoken(QUESTION, rate) + silence(1000, rate)
    at_rate = turns(feed(VoiceInput(InputAudio(sample_rate=rate), VAD), audio, rate=rate))

    assert [k for k, _ in at_rate] == [k for k, _ in at_16k]
    assert all(abs(a - b) <= 64 for (_, a), (_, b) in zip(at_rate, at_16k, strict=True))


async def test_audio_sent_faster_than_real_time_gives_the_same_turns() -> None:
    audio = silence(800) + await spoken(QUESTION) + silence(1000)
    in_frames = feed(VoiceInput(InputAudio(), VAD), audio)
    at_once = VoiceInput(InputAudio(), VAD).append(audio)

    assert at_once == in_frames


async def test_the_utterance_taken_at_a_pause_is_the_one_that_stops_when_speech_does_not_resume() -> None:
    events = feed(VoiceInput(InputAudio(), VAD), silence(500) + await spoken(QUESTION) + silence(1000))

    paused = [e for e in events if e.kind == "paused"][-1]
    stopped = next(e for e in events if e.kind == "stopped")
    assert paused.utterance == stopped.utterance
    assert [e.kind for e in events if e.kind == "resumed"] == [e.kind for e in events if e.kind == "paused"][:-1]


async def test_commit_without_speech_gives_an_empty_utterance_and_manual_mode_keeps_everything() -> None:
    server_vad = VoiceInput(InputAudio(), VAD)
    feed(server_vad, noise(1500))
    assert server_vad.commit().speech is False

    manual = VoiceInput(InputAudio(turn_detection="manual"), VAD)
    audio = silence(300) + await spoken(QUESTION) + silence(300)
    assert feed(manual, audio) == []
    utterance = manual.commit()
    assert utterance.speech and utterance.pcm == audio
    assert manual.commit().pcm == b""  # committed audio is gone


async def test_commit_during_speech_ends_the_utterance_at_once() -> None:
    question = await spoken(QUESTION)
    voice = VoiceInput(InputAudio(), VAD)
    events = feed(voice, silence(500) + question[: len(question) // 4 * 2])
    assert [e.kind for e in events] == ["started"]

    utterance = voice.commit()
    assert utterance.speech and utterance.duration_ms >= len(question) // 2 // 32 - 100
    assert feed(voice, silence(1000)) == []  # nothing left to stop


async def test_clear_drops_the_utterance_and_listening_goes_on() -> None:
    question = await spoken(QUESTION)
    voice = VoiceInput(InputAudio(), VAD)
    feed(voice, silence(500) + question[: len(question) // 4 * 2])
    voice.clear()
    events = feed(voice, silence(800) + question + silence(1000))
    assert [k for k, _ in turns(events)] == ["started", "stopped"]
    assert turns(events)[0][1] > 500 + len(question) // 2 // 32  # times go on from the stream's start


def test_frames_must_hold_whole_samples_and_have_a_bounded_size() -> None:
    voice = VoiceInput(InputAudio(), VAD)
    with pytest.raises(ApiError) as odd:
        voice.append(b"\x00" * 321)
    assert odd.value.status == 400 and "even number of bytes" in odd.value.message
    with pytest.raises(ApiError) as huge:
        voice.append(b"\x00" * (MAX_FRAME_BYTES + 2))
    assert huge.value.status == 413
    assert voice.append(silence(20)) == [] and voice.now_ms == 20  # refused frames change nothing


async def test_an_utterance_over_60_seconds_is_dropped() -> None:
    manual = VoiceInput(InputAudio(turn_detection="manual"), VAD)
    assert feed(manual, silence(59_000), frame_ms=1000) == []
    (dropped,) = feed(manual, silence(2000), frame_ms=1000)
    assert dropped.kind == "dropped"
    assert manual.commit().pcm == b""

    question = await spoken(QUESTION)
    talker = VoiceInput(InputAudio(silence_ms=2000), VAD)
    kinds = [e.kind for e in feed(talker, (silence(300) + question) * 30, frame_ms=500)]
    assert kinds[0] == "started" and "dropped" in kinds and "stopped" not in kinds[: kinds.index("dropped")]


async def test_the_vad_gives_the_same_probabilities_whatever_the_frame_size() -> None:
    samples = to_float(silence(300) + await spoken(QUESTION))
    whole = VAD.stream().feed(samples)
    stream = VAD.stream()
    pieces = [p for i in range(0, samples.size, 333) for p in stream.feed(samples[i : i + 333])]

    assert len(whole) == samples.size // WINDOW
    assert pieces == pytest.approx(whole, abs=1e-5)
    assert max(whole) > 0.9 and whole[0] < 0.1


def test_the_resampler_keeps_duration_and_pitch() -> None:
    rate = 48000
    tone = (np.sin(np.arange(rate) * 2 * np.pi * 440 / rate) * 8000).astype("<i2").tobytes()
    resampler = Resampler(rate)
    out = b"".join(resampler.push(piece) for piece in frames(tone, 20, rate)) + resampler.flush()

    samples = np.frombuffer(out, dtype="<i2").astype(np.float64)
    assert abs(samples.size - 16000) <= 16
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * 16000 / samples.size - 440) < 5
