"""Parrot speech: a WAV file; it gives no timing, so the visemes are estimated from the text."""

from __future__ import annotations

from avatarium.providers.audio import pcm_from_wav
from avatarium.providers.base import Speech, VoiceInfo
from avatarium.providers.vendor_tts import VendorTTS

VOICES = (VoiceInfo("parrot-polly", "Polly (Parrot)", "en-US", "female", "Hello, hello! I'm Polly."),)


class ParrotTTS(VendorTTS):
    voice_list = VOICES

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        body = {"voice": voice_id.removeprefix(f"{self.id}-"), "text": text}
        async with self._call.stream("POST", f"{self._base}/v1/speak", json=body, headers=self.bearer()) as response:
            pcm, rate = pcm_from_wav(self.id, await response.aread())
        return self._estimated(pcm, rate, text)
