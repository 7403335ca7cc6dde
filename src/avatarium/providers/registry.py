"""The provider registry: which providers exist, what they offer, which are configured, and who serves a call.

Every catalogue (`/v1/models`, `/v1/ai/providers`, `/v1/tts/voices`, `/v1/stt/models`) is built here
from the providers' descriptions and the provider objects. Lookups fail with `ProviderError` only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar

import httpx

from avatarium.providers.base import (
    LLMProvider,
    ModelInfo,
    ProviderError,
    STTModelInfo,
    STTProvider,
    TTSProvider,
    VoiceInfo,
)
from avatarium.providers.plugins import Plugin, builtin_specs, load_specs
from avatarium.providers.spec import ProviderSpec

log = logging.getLogger("avatarium.providers")
T = TypeVar("T")


class _Configurable(Protocol):
    @property
    def configured(self) -> bool: ...


C = TypeVar("C", bound=_Configurable)


def _is_configured(provider: _Configurable) -> bool:
    return bool(provider.configured)


EMBEDDED = next(spec for spec in builtin_specs() if spec.embedded)
DEFAULT_MODEL = f"{EMBEDDED.id}/{EMBEDDED.models[0].name}"
DEFAULT_VOICE = EMBEDDED.voices[0].id
DEFAULT_STT_MODEL = f"{EMBEDDED.id}/{EMBEDDED.stt_models[0].name}"


@dataclass(frozen=True)
class ModelEntry:
    id: str
    provider: str
    name: str
    context_window: int
    streaming: bool


@dataclass(frozen=True)
class Voice:
    info: VoiceInfo
    provider: str
    available: bool


@dataclass(frozen=True)
class STTModelEntry:
    id: str
    provider: str
    name: str
    languages: list[str]
    available: bool


def _entry(provider_id: str, model: ModelInfo) -> ModelEntry:
    return ModelEntry(
        f"{provider_id}/{model.name}", provider_id, model.display_name, model.context_window, model.streaming
    )


class Providers:
    """Looks up the provider for a model or voice id, honouring configuration and test keys."""

    def __init__(
        self,
        llms: Mapping[str, LLMProvider],
        tts: Mapping[str, TTSProvider],
        stt: Mapping[str, STTProvider] | None = None,
        *,
        fallbacks: list[str] | None = None,
        http: httpx.AsyncClient | None = None,
        specs: Sequence[ProviderSpec] | None = None,
        plugins: Sequence[Plugin] | None = None,
    ) -> None:
        if specs is None:
            specs, plugins = load_specs()
        self.specs = {spec.id: spec for spec in specs}
        self.plugins = list(plugins or [])
        self.llms = dict(llms)
        self.tts = dict(tts)
        self.stt = dict(stt or {})
        self.fallbacks = list(fallbacks or [])
        self._http = http

    def _ask(self, provider_id: str, what: str, question: Callable[[], T], fallback: T) -> T:
        """A provider's answer for a catalogue; a provider that fails here must not break the catalogue."""
        try:
            return question()
        except Exception:
            log.exception("provider %s failed to list its %s", provider_id, what)
            return fallback

    def configured(self, provider_id: str) -> bool:
        instances = [self.llms.get(provider_id), self.tts.get(provider_id), self.stt.get(provider_id)]
        return any(self._ask(provider_id, "state", partial(_is_configured, p), False) for p in instances if p)

    # Chat models

    def _chat_models(self, spec: ProviderSpec) -> Sequence[ModelInfo]:
        llm = self.llms.get(spec.id)
        found = self._ask(spec.id, "models", llm.models, None) if llm else None
        return spec.models if found is None else found

    def models(self) -> list[ModelEntry]:
        return [_entry(spec.id, model) for spec in self.specs.values() for model in self._chat_models(spec)]

    def model(self, model_id: str) -> ModelEntry | None:
        provider_id, _, name = model_id.partition("/")
        spec = self.specs.get(provider_id)
        found = [m for m in self._chat_models(spec) if m.name == name] if spec else []
        return _entry(provider_id, found[0]) if found else None

    def check_model(self, model_id: str, field: str = "model") -> str:
        if self.model(model_id) is not None:
            return model_id
        provider_id = model_id.partition("/")[0]
        llm = self.llms.get(provider_id)
        if (
            llm is not None
            and self.configured(provider_id)
            and self._ask(provider_id, "models", llm.models, None) == []
        ):
            # A provider that finds its models at run time and has found none yet cannot say "unknown".
            raise ProviderError(provider_id, "unavailable", "its model list is not known yet")
        raise ProviderError(provider_id, "unknown", f"Unknown {field} '{model_id}'; see GET /v1/models", field)

    def chain(self, model_id: str) -> list[str]:
        """The model asked for, then the configured fallbacks, each once."""
        return list(dict.fromkeys([model_id, *self.fallbacks]))

    def llm_for(self, model_id: str, local_only: bool) -> tuple[LLMProvider, str]:
        """The provider and its own model name; test keys always get the embedded model."""
        if local_only:
            model_id = DEFAULT_MODEL
        self.check_model(model_id)
        provider_id, _, name = model_id.partition("/")
        return self._configured(self.llms.get(provider_id), provider_id), name

    @staticmethod
    def _configured(provider: C | None, provider_id: str) -> C:
        if provider is None or not provider.configured:
            raise ProviderError(provider_id, "not_configured", "no key or base URL is set for it")
        return provider

    # Voices

    def _voices_of(self, provider_id: str) -> Sequence[VoiceInfo]:
        tts = self.tts.get(provider_id)
        if tts is None:
            return self.specs[provider_id].voices
        return self._ask(provider_id, "voices", tts.voices, list[VoiceInfo]())

    def _speaking(self) -> list[str]:
        return list(dict.fromkeys([*self.specs, *self.tts]))

    def voices(self) -> list[Voice]:
        voices = []
        for provider_id in self._speaking():
            available = provider_id in self.tts and self.configured(provider_id)
            voices += [Voice(info, provider_id, available) for info in self._voices_of(provider_id)]
        return voices

    def voice(self, voice_id: str) -> Voice | None:
        for provider_id in self._speaking():
            for info in self._voices_of(provider_id):
                if info.id == voice_id:
                    return Voice(info, provider_id, provider_id in self.tts and self.configured(provider_id))
        return None

    def check_voice(self, voice_id: str, field: str = "voiceId") -> Voice:
        voice = self.voice(voice_id)
        if voice is None:
            raise ProviderError("", "unknown", f"Unknown {field} '{voice_id}'; see GET /v1/tts/voices", field)
        return voice

    def tts_for(self, voice_id: str, local_only: bool) -> tuple[TTSProvider, str]:
        voice = self.check_voice(voice_id)
        if local_only and voice.provider != EMBEDDED.id:
            voice = self.check_voice(DEFAULT_VOICE)
        return self._configured(self.tts.get(voice.provider), voice.provider), voice.info.id

    def speech_routes(self) -> list[ProviderSpec]:
        """The providers that serve `POST /v1/tts/<id>`."""
        return [spec for spec in self.specs.values() if spec.tts_route]

    def vendor_voice(self, vendor: str, voice_id: str | None, local_only: bool) -> str:
        """The voice to use on a vendor's own route (test keys get the embedded voice)."""
        if local_only:
            return DEFAULT_VOICE
        provider = self._configured(self.tts.get(vendor), vendor)
        voices = provider.voices()
        if voice_id is None:
            return voices[0].id
        if voice_id not in {v.id for v in voices}:
            message = f"Unknown voiceId '{voice_id}' for {vendor}; see GET /v1/tts/voices"
            raise ProviderError(vendor, "unknown", message, "voiceId")
        return voice_id

    # Speech-to-text models

    def stt_models(self) -> list[STTModelEntry]:
        entries = []
        for spec in self.specs.values():
            stt = self.stt.get(spec.id)
            models = (
                self._ask(spec.id, "speech-to-text models", stt.models, list[STTModelInfo]())
                if stt
                else list(spec.stt_models)
            )
            available = stt is not None and self.configured(spec.id)
            entries += [
                STTModelEntry(f"{spec.id}/{m.name}", spec.id, m.display_name, list(m.languages), available)
                for m in models
            ]
        return entries

    def stt_for(self, model_id: str, local_only: bool, field: str = "model") -> tuple[STTProvider, str]:
        """The provider and its own model name; test keys always get the embedded model."""
        if local_only:
            model_id = DEFAULT_STT_MODEL
        if not any(m.id == model_id for m in self.stt_models()):
            message = f"Unknown {field} '{model_id}'; see GET /v1/stt/models"
            raise ProviderError(model_id.partition("/")[0], "unknown", message, field)
        provider_id, _, name = model_id.partition("/")
        return self._configured(self.stt.get(provider_id), provider_id), name

    # Life cycle

    def _instances(self) -> list[LLMProvider | TTSProvider | STTProvider]:
        return [*self.llms.values(), *self.tts.values(), *self.stt.values()]

    async def discover(self, wait: float) -> None:
        """Let providers that find their models at run time refresh them, waiting at most `wait` seconds.

        Discovery left unfinished goes on in the background; the catalogue answers with what is known.
        """
        discovering = [
            llm
            for provider_id, llm in self.llms.items()
            if self.configured(provider_id) and self._ask(provider_id, "models", llm.models, None) is not None
        ]
        if discovering:
            await asyncio.wait([asyncio.ensure_future(llm.discover()) for llm in discovering], timeout=wait)

    async def warm(self) -> None:
        started = time.perf_counter()
        for provider in self._instances():
            try:
                await provider.warm()
            except Exception:
                log.exception("provider %s failed to warm up", provider.id)
        log.info("providers ready in %.1f s", time.perf_counter() - started)

    async def close(self) -> None:
        for provider in self._instances():
            try:
                await provider.close()
            except Exception:
                log.exception("provider %s failed to close", provider.id)
        if self._http is not None:
            await self._http.aclose()
