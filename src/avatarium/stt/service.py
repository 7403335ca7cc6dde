"""Transcription rules: which model hears the audio, in which language."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from avatarium.errors import bad_request
from avatarium.providers.base import STTProvider, Transcript
from avatarium.providers.registry import DEFAULT_STT_MODEL, Providers, STTModelEntry
from avatarium.stt import decode as decoding
from avatarium.voice.pcm import MODEL_RATE


@dataclass(frozen=True)
class Chosen:
    """The model that will transcribe: its provider, its name there, and its catalogue entry."""

    provider: STTProvider
    name: str
    entry: STTModelEntry


def choose(
    providers: Providers, model_id: str | None, language: str | None, local_only: bool, field: str = "model"
) -> Chosen:
    """Test keys get the embedded model; 400 for an unknown model, or a language the model does not know."""
    provider, name = providers.stt_for(model_id or DEFAULT_STT_MODEL, local_only, field)
    entry = next(m for m in providers.stt_models() if m.id == f"{provider.id}/{name}")
    if language is not None and language not in entry.languages:
        raise bad_request(
            f"language '{language}' is not one {entry.id} knows; use an ISO 639-1 code such as 'en'",
            "language",
            "invalid_value",
        )
    return Chosen(provider, name, entry)


async def transcribe_upload(chosen: Chosen, data: bytes, container: str, language: str | None) -> Transcript:
    """A recording as uploaded. Provider failures propagate as ProviderError (mapped to 502/503/504 once)."""
    if len(data) > decoding.MAX_UPLOAD_BYTES:
        raise decoding.too_large()
    pcm = await asyncio.to_thread(decoding.decode, data, container)
    return await chosen.provider.transcribe(pcm, MODEL_RATE, chosen.name, language)
