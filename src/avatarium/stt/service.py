"""Transcription rules: which model hears the audio, in which language."""

from __future__ import annotations

import asyncio

from avatarium.errors import bad_request
from avatarium.providers.base import Transcript
from avatarium.providers.registry import DEFAULT_STT_MODEL, Providers, STTModel
from avatarium.stt import decode as decoding
from avatarium.voice.pcm import MODEL_RATE


def resolve(providers: Providers, model_id: str | None, language: str | None, local_only: bool) -> STTModel:
    """The model that will transcribe (test keys get the embedded one); 400 for an unknown model or language."""
    _, model = providers.stt_for(model_id or DEFAULT_STT_MODEL, local_only)
    if language is not None and language not in model.info.languages:
        raise bad_request(
            f"language '{language}' is not one {model.id} knows; use an ISO 639-1 code such as 'en'",
            "language",
            "invalid_value",
        )
    return model


async def transcribe(providers: Providers, model: STTModel, pcm: bytes, language: str | None) -> Transcript:
    """`pcm`: 16 kHz mono. Provider failures propagate as ProviderError (mapped to 502/503/504 once)."""
    provider = providers.stt[model.provider]
    return await provider.transcribe(pcm, MODEL_RATE, model.info.name, language)


async def transcribe_upload(
    providers: Providers, model: STTModel, data: bytes, container: str, language: str | None
) -> Transcript:
    if len(data) > decoding.MAX_UPLOAD_BYTES:
        raise decoding.too_large()
    pcm = await asyncio.to_thread(decoding.decode, data, container)
    return await transcribe(providers, model, pcm, language)
