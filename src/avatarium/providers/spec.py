"""What a provider package says about itself, and what its classes are built with.

A provider is one package (built in, or installed with an `avatarium.providers` entry point)
whose `PROVIDER` is a `ProviderSpec`. The registry builds the catalogues, the settings and the
provider objects from these descriptions alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import httpx

from avatarium.providers.base import LLMProvider, ModelInfo, STTModelInfo, STTProvider, TTSProvider, VoiceInfo
from avatarium.providers.resilience import Policy

PROVIDER_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
VisemeSource = Literal["aligned", "estimated", "none"]


def variable(provider_id: str, option: str) -> str:
    """The one rule for a provider's own settings: `AVATARIUM_<PROVIDER>_<OPTION>`."""
    return f"AVATARIUM_{provider_id.upper()}_{option.upper()}"


@dataclass(frozen=True)
class Setup:
    """Everything a provider class is built with: it never reads the environment itself."""

    provider: str
    api_key: str | None
    base_url: str  # without a trailing slash; empty when the provider has none and none is set
    http: httpx.AsyncClient
    policy: Policy
    options: Mapping[str, str] = field(default_factory=dict)  # the spec's options, defaults applied

    def integer(self, option: str) -> int:
        value = self.options[option]
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{variable(self.provider, option)} must be a whole number, not {value!r}") from None

    def names(self, option: str) -> list[str]:
        """A comma-separated list option, e.g. `AVATARIUM_COMPAT_VOICES=af_heart,am_michael`."""
        return [name.strip() for name in self.options[option].split(",") if name.strip()]


LLMFactory = Callable[[Setup], LLMProvider]
TTSFactory = Callable[[Setup], TTSProvider]
STTFactory = Callable[[Setup], STTProvider]


@dataclass(frozen=True)
class ProviderSpec:
    """One provider: who it is, how it is configured, what it offers, and the classes that offer it.

    Settings follow one rule: the key is read from `<KEY_NAME>_API_KEY` (the vendor's own variable,
    `KEY_NAME` defaulting to the id), `AVATARIUM_<KEY_NAME>_API_KEY` or `AVATARIUM_<ID>_API_KEY`; the
    base URL from `AVATARIUM_<ID>_BASE_URL`; each option from `AVATARIUM_<ID>_<OPTION>`.
    """

    id: str
    name: str
    base_url: str = ""  # the default, in the form of the vendor SDK's `base_url`
    key_name: str | None = None  # the stem of the vendor's own key variable, where it is not the id
    models: tuple[ModelInfo, ...] = ()  # chat models; a provider that discovers them returns them from models()
    voices: tuple[VoiceInfo, ...] = ()  # listed (unavailable) even where the provider is not built
    stt_models: tuple[STTModelInfo, ...] = ()
    llm: LLMFactory | None = None
    tts: TTSFactory | None = None
    stt: STTFactory | None = None
    streaming: bool = True  # its output arrives as it is produced
    visemes: VisemeSource = "none"  # where its speech's visemes come from
    tts_route: bool = False  # serves `POST /v1/tts/<id>`
    embedded: bool = False  # runs in process, needs no key, and serves every test-key (`av_test_`) call
    options: Mapping[str, str] = field(default_factory=dict)  # option → default, as `AVATARIUM_<ID>_<OPTION>`

    def __post_init__(self) -> None:
        if not PROVIDER_ID.match(self.id):
            raise ValueError(f"provider id {self.id!r} must be lowercase letters, digits and _ (at most 32)")

    @property
    def capabilities(self) -> dict[str, bool]:
        return {
            "chat": self.llm is not None,
            "streaming": self.streaming,
            "tts": self.tts is not None,
            "stt": self.stt is not None,
        }

    def key_variables(self) -> list[str]:
        stem = (self.key_name or self.id).upper()
        names = [f"{stem}_API_KEY", f"AVATARIUM_{stem}_API_KEY", variable(self.id, "api_key")]
        return list(dict.fromkeys(names))

    def base_url_variable(self) -> str:
        return variable(self.id, "base_url")
