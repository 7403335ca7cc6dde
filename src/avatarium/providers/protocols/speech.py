"""The speech protocol (https://platform.openai.com/docs/api-reference/audio/createSpeech): text in, audio out.

OpenAI, Groq and self-hosted speech servers (Kokoro, Piper, Speaches) speak it. It returns no
timing, so visemes are estimated from the text over the audio's length.
"""

from __future__ import annotations

from avatarium.providers.audio import checked_pcm, pcm_from_wav
from avatarium.providers.base import Speech
from avatarium.providers.vendor_tts import VendorTTS

PCM_RATE = 24000  # `response_format: pcm` is raw 16-bit mono at 24 kHz


class SpeechTTS(VendorTTS):
    """Subclasses set the path, the model and the audio format; voice ids are `<provider>-<vendor voice>`."""

    path = "/audio/speech"
    model = "tts-1"
    response_format = "wav"  # or "pcm"
    speed_range: tuple[float, float] | None = (0.25, 4.0)  # None: the vendor takes no speed

    def body(self, text: str, voice: str, speed: float) -> dict[str, object]:
        body: dict[str, object] = {
            "model": self.model,
            "input": text,
            "voice": voice,
            "response_format": self.response_format,
        }
        if self.speed_range is not None:
            low, high = self.speed_range
            body["speed"] = max(low, min(high, speed))
        return body

    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech:
        body = self.body(text, voice_id.removeprefix(f"{self.id}-"), speed)
        async with self._call.stream("POST", self._base + self.path, json=body, headers=self.bearer()) as response:
            data = await response.aread()
            if self.response_format == "pcm":
                pcm, rate = checked_pcm(self.id, data), PCM_RATE
            else:
                pcm, rate = pcm_from_wav(self.id, data)
        return self._estimated(pcm, rate, text)
