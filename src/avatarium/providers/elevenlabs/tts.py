"""ElevenLabs text-to-speech with timestamps
(https://elevenlabs.io/docs/api-reference/text-to-speech/convert-with-timestamps):
visemes come from its per-character alignment."""

from __future__ import annotations

import base64
import binascii

from avatarium.providers.audio import checked_pcm
from avatarium.providers.base import Speech, VoiceInfo
from avatarium.providers.elevenlabs import alignment
from avatarium.providers.sse import parse
from avatarium.providers.vendor_tts import VendorTTS

RATE = 22050
MODEL = "eleven_flash_v2_5"


def _voice(voice_id: str, name: str, gender: str) -> VoiceInfo:
    return VoiceInfo(f"elevenlabs-{voice_id}", f"{name} (ElevenLabs)", "en-US", gender, f"Hi, I'm {name}.")


VOICES = (
    _voice("21m00Tcm4TlvDq8ikWAM", "Rachel", "female"),
    _voice("pNInz6obpgDQGcFmaJgB", "Adam", "male"),
    _voice("EXAVITQu4vr4xnJ3Ktsa", "Sarah", "female"),
    _voice("TX3LPaxmHKxFdv7VOQHJ", "Liam", "male"),
)


class ElevenLabsTTS(VendorTTS):
    voice_list = VOICES

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        vendor_voice = voice_id.removeprefix(f"{self.id}-")
        url = f"{self._base}/v1/text-to-speech/{vendor_voice}/with-timestamps"
        body = {"text": text, "model_id": MODEL, "voice_settings": {"speed": max(0.7, min(1.2, speed))}}
        params = {"output_format": f"pcm_{RATE}"}
        headers = {"xi-api-key": self._key or ""}
        async with self._call.stream("POST", url, params=params, json=body, headers=headers) as response:
            payload = parse(self.id, (await response.aread()).decode("utf-8", "replace"))
            try:
                pcm = checked_pcm(self.id, base64.b64decode(payload["audio_base64"]))
            except (KeyError, TypeError, binascii.Error):
                raise self._call.error("unavailable", "the provider sent no audio") from None
        timing = payload.get("alignment") or {}
        characters = timing.get("characters")
        if not characters:
            return self._estimated(pcm, RATE, text)
        duration_ms = round(len(pcm) / 2 * 1000 / RATE)
        starts = timing.get("character_start_times_seconds", [])
        return Speech(pcm, RATE, alignment.visemes(characters, starts, duration_ms), aligned=True)
