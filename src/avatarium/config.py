"""Settings: the only place that reads the environment."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_BODY_BYTES = 1024 * 1024


def _vendor_key(variable: str) -> SecretStr | None:
    return Field(default=None, validation_alias=AliasChoices(variable, f"AVATARIUM_{variable}"))


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
    preload_models: bool = True  # load the embedded model and voice at start-up, in the background

    provider_deadline_seconds: float = 60.0
    provider_retries: int = 2
    fallback_models: list[str] = Field(default_factory=list)  # tried in order when a model's provider fails

    local_llm_threads: int = 2
    local_llm_context: int = 2048
    local_llm_max_tokens: int = 256
    local_stt_threads: int = 2

    openai_api_key: SecretStr | None = _vendor_key("OPENAI_API_KEY")
    anthropic_api_key: SecretStr | None = _vendor_key("ANTHROPIC_API_KEY")
    gemini_api_key: SecretStr | None = _vendor_key("GEMINI_API_KEY")
    xai_api_key: SecretStr | None = _vendor_key("XAI_API_KEY")
    groq_api_key: SecretStr | None = _vendor_key("GROQ_API_KEY")
    elevenlabs_api_key: SecretStr | None = _vendor_key("ELEVENLABS_API_KEY")
    deepgram_api_key: SecretStr | None = _vendor_key("DEEPGRAM_API_KEY")

    openai_base_url: str = "https://api.openai.com/v1"
    anthropic_base_url: str = "https://api.anthropic.com"
    google_base_url: str = "https://generativelanguage.googleapis.com"
    xai_base_url: str = "https://api.x.ai/v1"
    groq_base_url: str = "https://api.groq.com"
    elevenlabs_base_url: str = "https://api.elevenlabs.io"
    deepgram_base_url: str = "https://api.deepgram.com"

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return _async_driver(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'avatarium.db').resolve()}"

    def provider_key(self, provider: str) -> SecretStr | None:
        """The configured secret of a vendor, by provider id (`google` reads GEMINI_API_KEY)."""
        name = "gemini" if provider == "google" else provider
        key: SecretStr | None = getattr(self, f"{name}_api_key", None)
        return key if key and key.get_secret_value() else None

    def provider_base_url(self, provider: str) -> str:
        return str(getattr(self, f"{provider}_base_url")).rstrip("/")


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
