"""The app with zero-latency providers, to measure what the server itself adds (bench only)."""

from __future__ import annotations

import os

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.registry import Providers
from testkit.fakes.llm import ScriptedLLM
from testkit.fakes.tts import InstantTTS

LONG = " ".join(f"This is sentence number {n} of a long answer." for n in range(1, 200))
_delay = float(os.environ.get("BENCH_TOKEN_DELAY", "0"))
_reply = (lambda _request: LONG) if os.environ.get("BENCH_LONG_REPLY") else None
_llm = ScriptedLLM(token_delay=_delay, **({"reply": _reply} if _reply else {}))
app = create_app(Settings(), Providers({"local": _llm}, {"local": InstantTTS()}))
