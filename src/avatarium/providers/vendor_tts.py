"""What the vendors' speech providers share: key, base URL, client, the voice list, estimated visemes."""

from __future__ import annotations

import httpx

from avatarium import lipsync
from avatarium.providers.base import Speech, TTSProvider, VoiceInfo
from avatarium.providers.resilience import Policy, VendorCall


class VendorTTS(TTSProvider):
    """Subclasses set `id`, `voice_list` and implement `synthesize`."""

    voice_list: tuple[VoiceInfo, ...] = ()

    def __init__(self, api_key: str | None, base_url: str, client: httpx.AsyncClient, policy: Policy | None = None):
        self._key = api_key
        self._base = base_url.rstrip("/")
        self._call = VendorCall(self.id, client, policy)

    @property
    def configured(self) -> bool:
        return bool(self._key)

    def voices(self) -> list[VoiceInfo]:
        return list(self.voice_list)

    @staticmethod
    def _estimated(pcm: bytes, rate: int, text: str) -> Speech:
        """For vendors that return no timing: visemes estimated from the text over the audio's length."""
        duration_ms = round(len(pcm) / 2 * 1000 / rate)
        return Speech(pcm, rate, lipsync.estimate(text, duration_ms))
