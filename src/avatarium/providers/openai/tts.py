"""OpenAI speech (https://platform.openai.com/docs/api-reference/audio/createSpeech): raw 24 kHz PCM.

It returns no timing, so visemes are estimated from the text."""

from __future__ import annotations

from avatarium.providers.audio import checked_pcm
from avatarium.providers.base import Speech, VoiceInfo
from avatarium.providers.vendor_tts import VendorTTS

RATE = 24000
MODEL = "gpt-4o-mini-tts"


def _voice(name: str, gender: str) -> VoiceInfo:
    return VoiceInfo(f"openai-{name}", f"{name.title()} (OpenAI)", "en-US", gender, f"Hello, this is {name.title()}.")


class OpenAITTS(VendorTTS):
    id = "openai"
    voice_list = (
        _voice("alloy", "neutral"),
        _voice("nova", "female"),
        _voice("onyx", "male"),
        _voice("shimmer", "female"),
    )

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        body = {
            "model": MODEL,
            "input": text,
            "voice": voice_id.removeprefix("openai-"),
            "response_format": "pcm",
            "speed": max(0.25, min(4.0, speed)),
        }
        headers = {"Authorization": f"Bearer {self._key}"}
        response = await self._call.request("POST", f"{self._base}/audio/speech", json=body, headers=headers)
        return self._estimated(checked_pcm(self.id, response.content), RATE, text)
