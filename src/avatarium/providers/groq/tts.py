"""Groq speech (https://console.groq.com/docs/text-to-speech): WAV from PlayAI voices."""

from __future__ import annotations

from avatarium.providers.base import VoiceInfo
from avatarium.providers.protocols.speech import SpeechTTS


def _voice(name: str, gender: str) -> VoiceInfo:
    short = name.split("-")[0]
    return VoiceInfo(f"groq-{name}", f"{short} (Groq)", "en-US", gender, f"Hi, I'm {short}.")


VOICES = (_voice("Fritz-PlayAI", "male"), _voice("Celeste-PlayAI", "female"), _voice("Arista-PlayAI", "female"))


class GroqTTS(SpeechTTS):
    voice_list = VOICES
    path = "/openai/v1/audio/speech"
    model = "playai-tts"
    speed_range = None
