"""Deepgram Aura (https://developers.deepgram.com/reference/text-to-speech-api/speak): raw linear16 PCM.

It returns no timing, so visemes are estimated from the text."""

from __future__ import annotations

from avatarium.providers.audio import checked_pcm
from avatarium.providers.base import Speech, VoiceInfo
from avatarium.providers.vendor_tts import VendorTTS

RATE = 24000


def _voice(model: str, name: str, gender: str) -> VoiceInfo:
    return VoiceInfo(f"deepgram-{model}", f"{name} (Deepgram Aura)", "en-US", gender, f"Hello, I'm {name}.")


VOICES = (
    _voice("aura-2-thalia-en", "Thalia", "female"),
    _voice("aura-2-apollo-en", "Apollo", "male"),
    _voice("aura-2-andromeda-en", "Andromeda", "female"),
)


class DeepgramTTS(VendorTTS):
    voice_list = VOICES

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        model = voice_id.removeprefix(f"{self.id}-")
        params = {"model": model, "encoding": "linear16", "sample_rate": RATE, "container": "none"}
        headers = {"Authorization": f"Token {self._key}"}
        url = f"{self._base}/v1/speak"
        async with self._call.stream("POST", url, params=params, json={"text": text}, headers=headers) as response:
            pcm = checked_pcm(self.id, await response.aread())
        return self._estimated(pcm, RATE, text)
