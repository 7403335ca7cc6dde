"""Transcription by a self-hosted server's `/audio/transcriptions` (Speaches, faster-whisper servers, vLLM).

The models are the operator's to name (AVATARIUM_COMPAT_STT_MODELS): `/models` does not tell them apart."""

from __future__ import annotations

from avatarium.providers.base import STTModelInfo
from avatarium.providers.protocols.languages import WHISPER
from avatarium.providers.protocols.transcriptions import TranscriptionsSTT
from avatarium.providers.spec import Setup


class CompatSTT(TranscriptionsSTT):
    def __init__(self, setup: Setup) -> None:
        super().__init__(setup)
        self.model_list = tuple(STTModelInfo(name, name, list(WHISPER)) for name in setup.names("stt_models"))

    @property
    def configured(self) -> bool:
        return bool(self._base and self.model_list)
