"""The effective configuration, told to people: defaults resolved, where things live, every secret hidden."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, SecretStr
from sqlalchemy.engine import make_url

from avatarium.config import Settings

HIDDEN = "***"
_SECRET_WORDS = ("secret", "password", "passwd", "token", "key", "auth")


@dataclass(frozen=True)
class Variable:
    name: str  # the environment variable that sets it
    value: str  # as shown: secrets hidden, unset as ""
    default: bool  # not set in the environment


def _secret_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def hide_secrets(url: str) -> str:
    """`url` with its password, and query values whose names sound secret, replaced by `***`."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}:{HIDDEN}@{host}"
    pairs = [pair.partition("=") for pair in parts.query.split("&")] if parts.query else []
    query = "&".join(f"{k}{eq}{HIDDEN if eq and _secret_name(k) else v}" for k, eq, v in pairs)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def sqlite_file(settings: Settings) -> Path | None:
    """The database file, when the database is SQLite on disk."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database.startswith(":memory:"):
        return None
    return Path(url.database)


def database_location(settings: Settings) -> str:
    """The SQLite file, or the database URL without its password."""
    path = sqlite_file(settings)
    return str(path) if path is not None else hide_secrets(settings.database_url or settings.resolved_database_url)


def data_dir(settings: Settings) -> Path:
    return settings.data_dir.expanduser().resolve()


def variable_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]  # a variable of its own name (e.g. AWS_ACCESS_KEY_ID)
    return f"AVATARIUM_{field.upper()}"


def _shown(field: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return HIDDEN if value.get_secret_value() else ""
    if isinstance(value, Path):
        return str(value.expanduser().resolve())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    text = str(value)
    if _secret_name(field):
        return HIDDEN if text else ""
    return hide_secrets(text)


def variables(settings: Settings) -> list[Variable]:
    """Every setting with the variable that sets it; `default` when the environment did not.

    The providers' variables (vendor keys, base URLs, options) are listed one by one, as set.
    """
    own = [
        Variable(variable_name(field), _shown(field, getattr(settings, field)), field not in settings.model_fields_set)
        for field in Settings.model_fields
        if field != "provider_env"
    ]
    return own + _provider_variables(settings)


def _provider_variables(settings: Settings) -> list[Variable]:
    """Each vendor's key and base-URL variables (set or not), then every other provider variable that is set."""
    from avatarium.providers.plugins import load_specs

    known = [
        name
        for spec in load_specs()[0]
        if not spec.embedded
        for name in (spec.key_variables()[0], spec.base_url_variable())
    ]
    names = [*known, *sorted(set(settings.provider_env) - set(known))]
    return [
        Variable(name, _shown(name, value.get_secret_value()) if value else "", value is None)
        for name in names
        for value in [settings.provider_env.get(name)]
    ]
