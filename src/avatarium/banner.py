"""The few lines `avatarium serve` prints once it is up: where to go, what runs, what to change."""

from __future__ import annotations

import socket
from collections.abc import Iterable

from avatarium import __version__, overview
from avatarium.accounts.tiers import tier_limit
from avatarium.config import Settings
from avatarium.providers.registry import DEFAULT_MODEL, Providers

SHOWN_PER_PROVIDER = 5
_LABEL = 12
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 - read, never bound


def base_url(settings: Settings, listener: socket.socket) -> str:
    """Where people reach the server: the public URL if configured, else the socket's address."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host, port = listener.getsockname()[:2]
    host = _WILDCARDS.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _by_provider(ids: Iterable[tuple[str, str]]) -> list[str]:
    """`provider: a, b, c, +2 more`, one line per provider, in the registry's order."""
    grouped: dict[str, list[str]] = {}
    for provider, name in ids:
        grouped.setdefault(provider, []).append(name)
    lines = []
    for provider, names in grouped.items():
        shown = ", ".join(names[:SHOWN_PER_PROVIDER])
        more = len(names) - SHOWN_PER_PROVIDER
        lines.append(f"{provider}: {shown}" + (f", +{more} more" if more > 0 else ""))
    return lines


def _row(label: str, lines: list[str]) -> list[str]:
    indent = " " * (_LABEL + 2)
    first, *rest = lines or ["none"]
    return [f"  {label:<{_LABEL}}{first}", *(indent + line for line in rest)]


def _data_dir(settings: Settings) -> str:
    if "data_dir" in settings.model_fields_set:
        return f"{overview.data_dir(settings)} (from AVATARIUM_DATA_DIR)"
    return f"{overview.data_dir(settings)} (the default; AVATARIUM_DATA_DIR changes it)"


def _redis(settings: Settings) -> str:
    if settings.redis_url:
        return overview.hide_secrets(settings.redis_url)
    if settings.resolved_database_url.startswith("sqlite"):
        return "none: rate limits, socket fan-out and caches live in this process (AVATARIUM_REDIS_URL)"
    # What several instances on one PostgreSQL give up without Redis (docs/decisions.md, Read caches).
    return (
        "none: rate limits and socket fan-out are this instance's own and nothing is cached, "
        "every request reads the database (AVATARIUM_REDIS_URL shares them)"
    )


def _signup(settings: Settings) -> str:
    if not settings.allow_signup:
        return "closed (AVATARIUM_ALLOW_SIGNUP); accounts come from `avatarium users create`"
    limit = tier_limit(settings.signup_tier, None, settings.enterprise_rate_limit)
    return f"open; new accounts get the {settings.signup_tier} tier, {limit} requests/min (AVATARIUM_SIGNUP_TIER)"


def _vendors(providers: Providers) -> str:
    vendors = [spec for spec in providers.specs.values() if not spec.embedded]
    found = [spec.id for spec in vendors if providers.configured(spec.id)]
    if found:
        return ", ".join(found)
    examples = [spec.key_variables()[0] for spec in vendors if spec.base_url][:2]
    return f"no vendor key found ({', '.join([*examples, '…'])})"


def _tiny_model_note(providers: Providers) -> list[str]:
    """Where the embedded model stands, and the one line that replaces it (from the providers' own settings)."""
    chat = [spec for spec in providers.specs.values() if spec.llm is not None and not spec.embedded]
    self_hosted = next((spec for spec in chat if not spec.base_url), None)  # a server the operator runs
    hosted = next((spec for spec in chat if spec.base_url), None)
    lines = [
        f"The default model, {DEFAULT_MODEL}, has 135M parameters: it runs offline for demos",
        "and gets facts wrong. One line switches to a real model, which clients then pick by id:",
    ]
    if self_hosted is not None:
        setting = f"{self_hosted.base_url_variable()}=http://127.0.0.1:11434/v1"
        lines.append(f"  {setting:<52} Ollama or any OpenAI-compatible server")
    if hosted is not None:
        lines.append(f"  {hosted.key_variables()[0] + '=…':<52} or another vendor's key")
    return lines


def render(settings: Settings, providers: Providers, url: str) -> str:
    ready = [m for m in providers.models() if providers.configured(m.provider)]
    models = [(m.provider, m.id.removeprefix(f"{m.provider}/")) for m in ready]
    voices = [(v.provider, v.info.id) for v in providers.voices() if v.available]
    transcribers = [(m.provider, m.id.removeprefix(f"{m.provider}/")) for m in providers.stt_models() if m.available]
    rows = [
        f"Avatarium {__version__} is ready at {url}",
        *_row("playground", [f"{url}/playground"]),
        *_row("API docs", [f"{url}/docs"]),
        *_row("data", [_data_dir(settings)]),
        *_row("database", [overview.database_location(settings)]),
        *_row("redis", [_redis(settings)]),
        *_row("sign-up", [_signup(settings)]),
        *_row("models", _by_provider(models)),
        *_row("voices", _by_provider(voices)),
        *_row("listening", _by_provider(transcribers)),
        *_row("vendors", [_vendors(providers)]),
        *_row("note", _tiny_model_note(providers)),
        "Press Ctrl+C to stop.",
    ]
    return "\n".join(rows)
