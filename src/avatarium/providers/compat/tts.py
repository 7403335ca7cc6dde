"""Speech from a self-hosted server's `/audio/speech` (Kokoro, Piper or Speaches servers), as WAV.

The protocol has no voice list, so the operator names the voices (AVATARIUM_COMPAT_VOICES)."""

from __future__ import annotations

from avatarium.providers.base import VoiceInfo
from avatarium.providers.protocols.speech import SpeechTTS
from avatarium.providers.spec import Setup


class CompatTTS(SpeechTTS):
    def __init__(self, setup: Setup) -> None:
        super().__init__(setup)
        self.model = setup.options["tts_model"]
        self.voice_list = tuple(
            VoiceInfo(f"{self.id}-{name}", f"{name} (self-hosted)", "en-US", "neutral", f"Hello, this is {name}.")
            for name in setup.names("voices")
        )

    @property
    def configured(self) -> bool:
        return bool(self._base and self.voice_list)
