"""Settings: the only place that reads the environment."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_path
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

MAX_BODY_BYTES = 1024 * 1024
MAX_MODEL_BYTES = 25 * 1024 * 1024  # an uploaded avatar model (multipart body)

Tier = Literal["free", "creator", "pro", "enterprise"]


def default_data_dir() -> Path:
    """The platform's per-user data directory, so the server and the CLI agree from any folder.

    `~/.local/share/avatarium` (or `$XDG_DATA_HOME/avatarium`) on Linux,
    `~/Library/Application Support/avatarium` on macOS, `%LOCALAPPDATA%\\avatarium` on Windows.
    """
    return user_data_path("avatarium", appauthor=False)


class Settings(BaseSettings):
    """Configuration from `AVATARIUM_*` variables (and the vendors' own key variables)."""

    model_config = SettingsConfigDict(env_prefix="AVATARIUM_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    database_pool_size: int = 20
    redis_url: str | None = None
    jwt_secret: SecretStr | None = None
    jwt_audience: str = "avatarium"
    jwt_ttl_seconds: int = 7 * 24 * 3600
    public_url: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    allow_signup: bool = True
    signup_tier: Tier = "free"  # the tier of accounts made by POST /auth/register
    anonymous_rate_limit: int = 10
    enterprise_rate_limit: int = 1000
    trust_proxy: bool = False
    client_token_ttl_seconds: int = 15 * 60
    socket_recheck_seconds: float = 10.0  # how often an open socket checks that its credential still holds
    socket_max_pending_events: int = 2048  # events waiting for a socket that stopped reading before it is closed
    log_level: str = "info"
    access_log: bool = False  # one log line per request (uvicorn's); Prometheus counts requests either way
    preload_models: bool = True  # load the embedded model and voice at start-up, in the background
    # On SIGTERM: how long running socket turns may go on before they are cut (stored as interrupted).
    shutdown_grace_seconds: float = Field(default=20.0, ge=0)

    # Uploaded avatar files: unset, a directory in the data dir; `s3://bucket/prefix` or `file:///path` otherwise.
    storage_url: str | None = None
    storage_endpoint_url: str | None = None  # any S3-compatible server (MinIO, R2, …); unset: AWS
    storage_region: str = "us-east-1"
    storage_access_key_id: str | None = Field(
        default=None, validation_alias=AliasChoices("AVATARIUM_STORAGE_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID")
    )
    storage_secret_access_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AVATARIUM_STORAGE_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY")
    )

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

    @field_validator("storage_url")
    @classmethod
    def _storage_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("s3://", "file:///")):
            raise ValueError("must be s3://bucket/prefix or file:///absolute/path")
        if value and value.startswith("s3://") and not value[5:].split("/", 1)[0]:
            raise ValueError("must name a bucket: s3://bucket/prefix")
        return value or None

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
