"""Groq speech (https://console.groq.com/docs/text-to-speech): WAV from PlayAI voices.

It returns no timing, so visemes are estimated from the text."""

from __future__ import annotations

from avatarium.providers.audio import pcm_from_wav
from avatarium.providers.base import Speech, VoiceInfo
from avatarium.providers.vendor_tts import VendorTTS

MODEL = "playai-tts"


def _voice(name: str, gender: str) -> VoiceInfo:
    short = name.split("-")[0]
    return VoiceInfo(f"groq-{name}", f"{short} (Groq)", "en-US", gender, f"Hi, I'm {short}.")


class GroqTTS(VendorTTS):
    id = "groq"
    voice_list = (_voice("Fritz-PlayAI", "male"), _voice("Celeste-PlayAI", "female"), _voice("Arista-PlayAI", "female"))

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        body = {"model": MODEL, "input": text, "voice": voice_id.removeprefix("groq-"), "response_format": "wav"}
        headers = {"Authorization": f"Bearer {self._key}"}
        response = await self._call.request("POST", f"{self._base}/openai/v1/audio/speech", json=body, headers=headers)
        pcm, rate = pcm_from_wav(self.id, response.content)
        return self._estimated(pcm, rate, text)
