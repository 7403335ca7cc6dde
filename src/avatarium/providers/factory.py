"""Builds the providers this server runs with, from settings."""

from __future__ import annotations

from avatarium.config import Settings
from avatarium.presets.catalog import Catalog
from avatarium.providers.local.llm import LocalLLM
from avatarium.providers.local.tts import PiperTTS
from avatarium.providers.registry import Providers


def build_providers(settings: Settings, catalog: Catalog) -> Providers:
    llms = {
        "local": LocalLLM(
            threads=settings.local_llm_threads,
            context=settings.local_llm_context,
            max_tokens=settings.local_llm_max_tokens,
        )
    }
    tts = {"local": PiperTTS(list(catalog.voices.values()))}
    return Providers(llms, tts)
