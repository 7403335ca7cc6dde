"""Deepgram pre-recorded transcription (https://developers.deepgram.com/reference/speech-to-text-api/listen):
the audio as the body, the transcript with word timings back."""

from __future__ import annotations

import json
from typing import Any

from avatarium.providers.audio import wav_of
from avatarium.providers.base import ProviderError, STTModelInfo, STTProvider, Transcript
from avatarium.providers.protocols.transcriptions import word_timings
from avatarium.providers.vendor import Vendor

MODELS = (
    STTModelInfo(
        "nova-3",
        "Nova-3",
        ["en", "es", "fr", "de", "hi", "ru", "pt", "ja", "it", "nl", "sv", "da", "no", "tr", "pl", "ko", "multi"],
    ),
)


class DeepgramSTT(Vendor, STTProvider):
    def models(self) -> list[STTModelInfo]:
        return list(MODELS)

    async def transcribe(self, pcm: bytes, sample_rate: int, model: str, language: str | None = None) -> Transcript:
        params: dict[str, str] = {"model": model, "smart_format": "true", "punctuate": "true"}
        params |= {"language": language} if language else {"detect_language": "true"}
        headers = {"Authorization": f"Token {self._key}", "Content-Type": "audio/wav"}
        url = f"{self._base}/v1/listen"
        async with self._call.stream(
            "POST", url, params=params, content=wav_of(pcm, sample_rate), headers=headers
        ) as response:
            channel = _channel(self.id, await response.aread())
        best = channel["alternatives"][0]
        return Transcript(
            str(best.get("transcript") or "").strip(),
            str(channel.get("detected_language") or language or "und"),
            round(len(pcm) / 2 * 1000 / sample_rate),
            word_timings(best.get("words"), ("punctuated_word", "word")),
        )


def _channel(provider: str, data: bytes) -> dict[str, Any]:
    """The first channel of the answer, with at least one alternative."""
    try:
        channel = json.loads(data)["results"]["channels"][0]
        if isinstance(channel["alternatives"][0], dict):
            return dict(channel)
    except (ValueError, KeyError, IndexError, TypeError):
        pass
    raise ProviderError(provider, "unavailable", "the provider sent an unreadable transcript")
