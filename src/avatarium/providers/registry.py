"""The provider registry: which LLM, TTS and STT providers exist, which are configured, and who serves a request."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import httpx

from avatarium.errors import ApiError, bad_request
from avatarium.providers.base import LLMProvider, STTModelInfo, STTProvider, TTSProvider, VoiceInfo

log = logging.getLogger("avatarium.providers")

DEFAULT_MODEL = "local/smollm2-135m-instruct"
DEFAULT_VOICE = "piper-en-us-joe"
DEFAULT_STT_MODEL = "local/whisper-base"


@dataclass(frozen=True)
class STTModel:
    id: str  # "<provider>/<model>"
    provider: str
    info: STTModelInfo
    available: bool


@dataclass(frozen=True)
class ModelEntry:
    id: str
    provider: str
    name: str
    context_window: int
    streaming: bool


@dataclass(frozen=True)
class ProviderEntry:
    id: str
    name: str
    capabilities: dict[str, bool]
    models: list[ModelEntry]


@dataclass(frozen=True)
class Voice:
    info: VoiceInfo
    provider: str
    available: bool


def _load_catalogue() -> list[ProviderEntry]:
    raw: list[dict[str, Any]] = json.loads(files("avatarium.presets").joinpath("providers.json").read_text("utf-8"))
    return [
        ProviderEntry(
            p["id"],
            p["name"],
            p["capabilities"],
            [
                ModelEntry(f"{p['id']}/{m['name']}", p["id"], m["displayName"], m["contextWindow"], m["streaming"])
                for m in p["models"]
            ],
        )
        for p in raw
    ]


class Providers:
    """Looks up the provider for a model or voice id, honouring configuration and test keys."""

    def __init__(
        self,
        llms: Mapping[str, LLMProvider],
        tts: Mapping[str, TTSProvider],
        fallbacks: list[str] | None = None,
        http: httpx.AsyncClient | None = None,
        stt: Mapping[str, STTProvider] | None = None,
    ) -> None:
        self.llms = dict(llms)
        self.tts = dict(tts)
        self.stt = dict(stt or {})
        self.fallbacks = list(fallbacks or [])
        self._http = http
        self.catalogue = _load_catalogue()
        self._models = {m.id: m for p in self.catalogue for m in p.models}

    def configured(self, provider_id: str) -> bool:
        llm = self.llms.get(provider_id)
        tts = self.tts.get(provider_id)
        return bool((llm and llm.configured) or (tts and tts.configured))

    def models(self) -> list[ModelEntry]:
        return list(self._models.values())

    def model(self, model_id: str) -> ModelEntry | None:
        return self._models.get(model_id)

    def check_model(self, model_id: str, field: str = "model") -> str:
        if model_id not in self._models:
            raise bad_request(f"Unknown {field} '{model_id}'; see GET /v1/models", field, "unknown")
        return model_id

    def chain(self, model_id: str) -> list[str]:
        """The model asked for, then the configured fallbacks, each once."""
        return list(dict.fromkeys([model_id, *self.fallbacks]))

    def llm_for(self, model_id: str, local_only: bool) -> tuple[LLMProvider, str]:
        """The provider and its own model name; test keys always get the embedded model."""
        self.check_model(model_id)
        if local_only:
            model_id = DEFAULT_MODEL
        provider_id, _, name = model_id.partition("/")
        provider = self.llms.get(provider_id)
        if provider is None or not provider.configured:
            raise ApiError(503, f"The {provider_id} provider is not configured on this server")
        return provider, name

    def voices(self) -> list[Voice]:
        return [
            Voice(info, provider_id, provider.configured)
            for provider_id, provider in self.tts.items()
            for info in provider.voices()
        ]

    def voice(self, voice_id: str) -> Voice | None:
        return next((v for v in self.voices() if v.info.id == voice_id), None)

    def check_voice(self, voice_id: str, field: str = "voiceId") -> Voice:
        voice = self.voice(voice_id)
        if voice is None:
            raise bad_request(f"Unknown {field} '{voice_id}'; see GET /v1/tts/voices", field, "unknown")
        return voice

    def tts_for(self, voice_id: str, local_only: bool) -> tuple[TTSProvider, str]:
        voice = self.check_voice(voice_id)
        if local_only and voice.provider != "local":
            voice = self.check_voice(DEFAULT_VOICE)
        provider = self.tts[voice.provider]
        if not provider.configured:
            raise ApiError(503, f"The {voice.provider} provider is not configured on this server")
        return provider, voice.info.id

    def vendor_voice(self, vendor: str, voice_id: str | None, local_only: bool) -> str:
        """The voice to use on a vendor's own route (test keys get the embedded voice)."""
        if local_only:
            return DEFAULT_VOICE
        provider = self.tts.get(vendor)
        if provider is None or not provider.configured:
            raise ApiError(503, f"The {vendor} provider is not configured on this server")
        voices = provider.voices()
        if voice_id is None:
            return voices[0].id
        if voice_id not in {v.id for v in voices}:
            raise bad_request(
                f"Unknown voiceId '{voice_id}' for {vendor}; see GET /v1/tts/voices", "voiceId", "unknown"
            )
        return voice_id

    def stt_models(self) -> list[STTModel]:
        return [
            STTModel(f"{provider_id}/{info.name}", provider_id, info, provider.configured)
            for provider_id, provider in self.stt.items()
            for info in provider.models()
        ]

    def stt_for(self, model_id: str, local_only: bool, field: str = "model") -> tuple[STTProvider, STTModel]:
        """The provider and model that transcribe; test keys always get the embedded model."""
        models = {m.id: m for m in self.stt_models()}
        if model_id not in models:
            raise bad_request(f"Unknown {field} '{model_id}'; see GET /v1/stt/models", field, "unknown")
        model = models[DEFAULT_STT_MODEL] if local_only else models[model_id]
        provider = self.stt[model.provider]
        if not provider.configured:
            raise ApiError(503, f"The {model.provider} provider is not configured on this server")
        return provider, model

    async def warm(self) -> None:
        started = time.perf_counter()
        for llm in self.llms.values():
            await llm.warm()
        for tts in self.tts.values():
            await tts.warm()
        for stt in self.stt.values():
            await stt.warm()
        log.info("providers ready in %.1f s", time.perf_counter() - started)

    async def close(self) -> None:
        for llm in self.llms.values():
            await llm.close()
        for tts in self.tts.values():
            await tts.close()
        for stt in self.stt.values():
            await stt.close()
        if self._http is not None:
            await self._http.aclose()
