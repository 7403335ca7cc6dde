"""The app with zero-latency speech-to-text, LLM and TTS, to measure what voice turns add (bench only)."""

from __future__ import annotations

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.registry import Providers
from testkit.fakes.llm import ScriptedLLM
from testkit.fakes.stt import ScriptedSTT
from testkit.fakes.tts import InstantTTS

# A reply that does not repeat the question: the server would take the question for its own echo.
_llm = ScriptedLLM(reply=lambda _request: "Sure. Let me think about that for a moment. Here is my answer.")
_stt = ScriptedSTT(text="What is the capital of France?")
app = create_app(Settings(), Providers({"local": _llm}, {"local": InstantTTS()}, stt={"local": _stt}))
