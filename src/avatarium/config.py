"""Settings: the only place that reads the environment."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

MAX_BODY_BYTES = 1024 * 1024


class Settings(BaseSettings):
    """Configuration from `AVATARIUM_*` variables (and the vendors' own key variables)."""

    model_config = SettingsConfigDict(env_prefix="AVATARIUM_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path("./data")
    database_url: str | None = None
    database_pool_size: int = 20
    redis_url: str | None = None
    jwt_secret: SecretStr | None = None
    jwt_audience: str = "avatarium"
    jwt_ttl_seconds: int = 7 * 24 * 3600
    public_url: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    allow_signup: bool = True
    anonymous_rate_limit: int = 10
    enterprise_rate_limit: int = 1000
    trust_proxy: bool = False
    client_token_ttl_seconds: int = 15 * 60
    socket_recheck_seconds: float = 10.0  # how often an open socket checks that its credential still holds
    socket_max_pending_events: int = 2048  # events waiting for a socket that stopped reading before it is closed
    log_level: str = "info"
    access_log: bool = False  # one log line per request (uvicorn's); Prometheus counts requests either way
    preload_models: bool = True  # load the embedded model and voice at start-up, in the background

    provider_deadline_seconds: float = 60.0
    provider_retries: int = 2
    fallback_models: list[str] = Field(default_factory=list)  # tried in order when a model's provider fails
    provider_breaker_threshold: int = 5  # consecutive failures that open a provider's circuit breaker
    provider_breaker_cooldown_seconds: float = 30.0  # then one trial call is let through
    # Provider variables (`<VENDOR>_API_KEY`, `AVATARIUM_<PROVIDER>_<OPTION>`), gathered from the environment;
    # the provider registry knows which ones each provider reads. Tests pass them here by their names.
    provider_env: dict[str, SecretStr] = Field(default_factory=dict, repr=False)

    @field_validator("provider_env")
    @classmethod
    def _upper_case_names(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        return {name.upper(): secret for name, secret in value.items()}

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return _async_driver(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'avatarium.db').resolve()}"

    def provider_variable(self, *names: str) -> str | None:
        """The first of these provider variables that is set and not empty."""
        for name in names:
            value = self.provider_env.get(name)
            if value is not None and value.get_secret_value():
                return value.get_secret_value()
        return None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, dotenv_settings, file_secret_settings, _ProviderVariables(settings_cls)


class _ProviderVariables(PydanticBaseSettingsSource):
    """Fills `provider_env` with every `*_API_KEY` variable and every `AVATARIUM_*` one that is not a setting."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        own = {f"AVATARIUM_{name.upper()}" for name in self.settings_cls.model_fields}
        found = {
            name.upper(): value
            for name, value in os.environ.items()
            if name.upper().endswith("_API_KEY") or (name.upper().startswith("AVATARIUM_") and name.upper() not in own)
        }
        return {"provider_env": found} if found else {}


def _async_driver(url: str) -> str:
    """Accept the plain URLs operators write and pick the async driver for them."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
