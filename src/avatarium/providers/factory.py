"""Builds the providers this server runs with, from their descriptions and the settings."""

from __future__ import annotations

import logging
from dataclasses import replace

import httpx

from avatarium.config import Settings
from avatarium.providers.base import LLMProvider, STTProvider, TTSProvider
from avatarium.providers.plugins import builtin_specs, load_specs
from avatarium.providers.registry import Providers
from avatarium.providers.resilience import Policy
from avatarium.providers.spec import ProviderSpec, Setup, variable

log = logging.getLogger("avatarium.providers")


def policy_of(settings: Settings) -> Policy:
    return Policy(
        deadline=settings.provider_deadline_seconds,
        retries=settings.provider_retries,
        breaker_threshold=settings.provider_breaker_threshold,
        breaker_cooldown=settings.provider_breaker_cooldown_seconds,
    )


def setup_of(spec: ProviderSpec, settings: Settings, http: httpx.AsyncClient, policy: Policy) -> Setup:
    """What the provider's classes are built with, read from the settings by the description's rule."""
    base_url = settings.provider_variable(spec.base_url_variable()) or spec.base_url
    options = {
        name: settings.provider_variable(variable(spec.id, name)) or default for name, default in spec.options.items()
    }
    return Setup(
        spec.id, settings.provider_variable(*spec.key_variables()), base_url.rstrip("/"), http, policy, options
    )


def build_providers(settings: Settings, client: httpx.AsyncClient | None = None) -> Providers:
    """Every provider, configured or not (the catalogue lists them all); vendors share one HTTP client.

    A built-in provider that cannot be built is a configuration error and stops start-up; a plugin
    that cannot be built is left out and reported, like one that cannot be imported.
    """
    http = client or httpx.AsyncClient(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))
    policy = policy_of(settings)
    specs, plugins = load_specs()
    llms: dict[str, LLMProvider] = {}
    tts: dict[str, TTSProvider] = {}
    stt: dict[str, STTProvider] = {}
    built = []
    for spec in specs:
        setup = setup_of(spec, settings, http, policy)
        try:
            if spec.llm is not None:
                llms[spec.id] = spec.llm(setup)
            if spec.tts is not None:
                tts[spec.id] = spec.tts(setup)
            if spec.stt is not None:
                stt[spec.id] = spec.stt(setup)
        except Exception as exc:
            if spec in builtin_specs():
                raise
            problem = _redacted(f"{type(exc).__name__}: {exc}", setup.api_key)
            log.error("provider plugin for %r could not be built: %s", spec.id, problem)
            plugins = [replace(p, problem="it could not be built") if p.provider == spec.id else p for p in plugins]
            for built_so_far in (llms, tts, stt):
                built_so_far.pop(spec.id, None)
            continue
        built.append(spec)
    return Providers(llms, tts, stt, fallbacks=settings.fallback_models, http=http, specs=built, plugins=plugins)


def _redacted(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text
