"""Builds the providers this server runs with, from settings: the one registry of provider classes."""

from __future__ import annotations

import httpx

from avatarium.config import Settings
from avatarium.presets.catalog import Catalog
from avatarium.providers.anthropic.llm import AnthropicLLM
from avatarium.providers.base import LLMProvider, TTSProvider
from avatarium.providers.deepgram.tts import DeepgramTTS
from avatarium.providers.elevenlabs.tts import ElevenLabsTTS
from avatarium.providers.google.llm import GeminiLLM
from avatarium.providers.groq.llm import GroqLLM
from avatarium.providers.groq.tts import GroqTTS
from avatarium.providers.local.llm import LocalLLM
from avatarium.providers.local.tts import LocalTTS
from avatarium.providers.local.whisper import LocalWhisperSTT
from avatarium.providers.openai.llm import OpenAILLM
from avatarium.providers.openai.tts import OpenAITTS
from avatarium.providers.registry import Providers
from avatarium.providers.resilience import Policy
from avatarium.providers.vendor_tts import VendorTTS
from avatarium.providers.xai.llm import XaiLLM

CLOUD_LLMS: dict[str, type[OpenAILLM] | type[AnthropicLLM] | type[GeminiLLM]] = {
    "openai": OpenAILLM,
    "anthropic": AnthropicLLM,
    "google": GeminiLLM,
    "xai": XaiLLM,
    "groq": GroqLLM,
}
CLOUD_TTS: dict[str, type[VendorTTS]] = {
    "openai": OpenAITTS,
    "elevenlabs": ElevenLabsTTS,
    "groq": GroqTTS,
    "deepgram": DeepgramTTS,
}


def build_providers(settings: Settings, catalog: Catalog, client: httpx.AsyncClient | None = None) -> Providers:
    """Every provider, configured or not (the catalogue lists them all); vendors share one HTTP client."""
    http = client or httpx.AsyncClient(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))
    policy = Policy(deadline=settings.provider_deadline_seconds, retries=settings.provider_retries)

    def key(provider: str) -> str | None:
        secret = settings.provider_key(provider)
        return secret.get_secret_value() if secret else None

    llms: dict[str, LLMProvider] = {
        "local": LocalLLM(
            threads=settings.local_llm_threads,
            context=settings.local_llm_context,
            max_tokens=settings.local_llm_max_tokens,
        )
    }
    for provider, llm_class in CLOUD_LLMS.items():
        llms[provider] = llm_class(key(provider), settings.provider_base_url(provider), http, policy)
    tts: dict[str, TTSProvider] = {"local": LocalTTS(list(catalog.voices.values()))}
    for provider, tts_class in CLOUD_TTS.items():
        tts[provider] = tts_class(key(provider), settings.provider_base_url(provider), http, policy)
    stt = {"local": LocalWhisperSTT(threads=settings.local_stt_threads)}
    return Providers(llms, tts, fallbacks=settings.fallback_models, http=http, stt=stt)
