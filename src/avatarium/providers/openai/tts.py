"""OpenAI speech (https://platform.openai.com/docs/api-reference/audio/createSpeech): raw 24 kHz PCM."""

from __future__ import annotations

from avatarium.providers.base import VoiceInfo
from avatarium.providers.protocols.speech import SpeechTTS


def _voice(name: str, gender: str) -> VoiceInfo:
    return VoiceInfo(f"openai-{name}", f"{name.title()} (OpenAI)", "en-US", gender, f"Hello, this is {name.title()}.")


VOICES = (_voice("alloy", "neutral"), _voice("nova", "female"), _voice("onyx", "male"), _voice("shimmer", "female"))


class OpenAITTS(SpeechTTS):
    voice_list = VOICES
    model = "gpt-4o-mini-tts"
    response_format = "pcm"
