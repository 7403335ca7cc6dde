"""OpenAI transcription (https://platform.openai.com/docs/api-reference/audio/createTranscription).

The gpt-4o transcription models answer plain `json`: text without word timings."""

from __future__ import annotations

from avatarium.providers.base import STTModelInfo
from avatarium.providers.protocols.languages import WHISPER
from avatarium.providers.protocols.transcriptions import TranscriptionsSTT

MODELS = (STTModelInfo("gpt-4o-mini-transcribe", "GPT-4o mini Transcribe", list(WHISPER)),)


class OpenAISTT(TranscriptionsSTT):
    model_list = MODELS
    word_timings = False
