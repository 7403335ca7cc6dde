"""The transcription protocol (https://platform.openai.com/docs/api-reference/audio/createTranscription):
a multipart upload of the audio, the text (and with `verbose_json`, word timings) back.

OpenAI, Groq and self-hosted Whisper servers (Speaches, faster-whisper servers, vLLM) speak it.
"""

from __future__ import annotations

import json
from typing import Any

from avatarium.providers.audio import wav_of
from avatarium.providers.base import ProviderError, STTModelInfo, STTProvider, Transcript, WordTiming
from avatarium.providers.protocols.languages import code_of
from avatarium.providers.vendor import Vendor


class TranscriptionsSTT(Vendor, STTProvider):
    """Subclasses set the path, the models, and whether the vendor gives word timings."""

    path = "/audio/transcriptions"
    model_list: tuple[STTModelInfo, ...] = ()
    word_timings = True  # `verbose_json` with word timestamps; some models answer plain `json` only

    def models(self) -> list[STTModelInfo]:
        return list(self.model_list)

    def form(self, model: str, language: str | None, words: bool) -> dict[str, str]:
        """`verbose_json` where the model has it and the answer needs word timings or the detected language."""
        verbose = self.word_timings and (words or language is None)
        form = {"model": model, "response_format": "verbose_json" if verbose else "json"}
        if verbose and words:
            form["timestamp_granularities[]"] = "word"
        if language:
            form["language"] = language
        return form

    async def transcribe(self, pcm: bytes, sample_rate: int, model: str, language: str | None = None) -> Transcript:
        return await self._transcribe(pcm, sample_rate, model, language, True)

    async def transcribe_turn(
        self, pcm: bytes, sample_rate: int, model: str, language: str | None = None
    ) -> Transcript:
        return await self._transcribe(pcm, sample_rate, model, language, False)  # no word timings: less to compute

    async def _transcribe(
        self, pcm: bytes, sample_rate: int, model: str, language: str | None, words: bool
    ) -> Transcript:
        files = {"file": ("speech.wav", wav_of(pcm, sample_rate), "audio/wav")}
        url = self._base + self.path
        async with self._call.stream(
            "POST", url, data=self.form(model, language, words), files=files, headers=self.bearer()
        ) as response:
            answer = _answer(self.id, await response.aread())
        duration_ms = round(len(pcm) / 2 * 1000 / sample_rate)
        return Transcript(
            str(answer.get("text") or "").strip(),
            code_of(answer.get("language"), language),
            duration_ms,
            word_timings(answer.get("words")),
        )


def _answer(provider: str, data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        raise ProviderError(provider, "unavailable", "the provider sent an unreadable transcript")
    return value


def word_timings(raw: object, keys: tuple[str, ...] = ("word",)) -> list[WordTiming]:
    """Timings from a list of `{word, start, end}` in seconds; the word is read from the first key present."""
    words = []
    for item in raw if isinstance(raw, list) else []:
        try:
            word = next(str(item[k]) for k in keys if item.get(k))
            words.append(WordTiming(word.strip(), _ms(item["start"]), _ms(item["end"])))
        except (AttributeError, KeyError, StopIteration, TypeError, ValueError):
            continue  # a malformed entry loses its timing, not the transcript
    return words


def _ms(seconds: object) -> int:
    return round(float(seconds) * 1000)  # type: ignore[arg-type]
