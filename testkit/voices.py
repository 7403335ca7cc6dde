"""The embedded voice, loaded once for the whole process (loading a voice takes a second)."""

from __future__ import annotations

from avatarium.providers.local.tts import LocalTTS

LOCAL_TTS = LocalTTS()
