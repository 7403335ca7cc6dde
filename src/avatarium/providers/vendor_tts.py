"""What the vendors' speech providers share: the voice list and estimated visemes."""

from __future__ import annotations

from avatarium import lipsync
from avatarium.providers.base import Speech, TTSProvider, VoiceInfo
from avatarium.providers.vendor import Vendor


class VendorTTS(Vendor, TTSProvider):
    """Subclasses set `voice_list` (the one their description lists too) and implement `synthesize`."""

    voice_list: tuple[VoiceInfo, ...] = ()

    def voices(self) -> list[VoiceInfo]:
        return list(self.voice_list)

    @staticmethod
    def _estimated(pcm: bytes, rate: int, text: str) -> Speech:
        """For vendors that return no timing: visemes estimated from the text over the audio's length."""
        duration_ms = round(len(pcm) / 2 * 1000 / rate)
        return Speech(pcm, rate, lipsync.estimate(text, duration_ms))
