"""Groq transcription (https://console.groq.com/docs/speech-to-text): Whisper, with word timings."""

from __future__ import annotations

from avatarium.providers.base import STTModelInfo
from avatarium.providers.protocols.languages import WHISPER
from avatarium.providers.protocols.transcriptions import TranscriptionsSTT

MODELS = (STTModelInfo("whisper-large-v3-turbo", "Whisper Large v3 Turbo", list(WHISPER)),)


class GroqSTT(TranscriptionsSTT):
    path = "/openai/v1/audio/transcriptions"
    model_list = MODELS
