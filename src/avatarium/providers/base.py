"""The LLM, TTS and STT provider contracts and the one error type vendors' failures become."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from avatarium.lipsync import VisemeSpan

__all__ = ["VisemeSpan"]  # re-exported: Speech carries it, so provider code imports both from here

Role = Literal["system", "user", "assistant"]
ErrorCategory = Literal[
    "auth", "rate_limit", "timeout", "unavailable", "busy", "bad_request", "not_configured", "unknown"
]


class ProviderError(Exception):
    """A provider could not serve a call; the one error type of the provider layer.

    `message` is ours and safe to show; vendor payloads never go in it. `unknown` means no
    provider has the model or voice asked for; `field` then names the request field that asked.
    """

    def __init__(
        self,
        provider: str,
        category: ErrorCategory,
        message: str,
        field: str | None = None,
        retry_after: int | None = None,  # seconds; told to the client as Retry-After
    ) -> None:
        super().__init__(f"{provider}: {category}: {message}")
        self.provider = provider
        self.category = category
        self.message = message
        self.field = field
        self.retry_after = retry_after

    @property
    def http_status(self) -> int:
        if self.category == "unknown":
            return 400
        if self.category == "timeout":
            return 504
        if self.category in ("unavailable", "busy", "not_configured", "rate_limit"):
            return 503
        return 502


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    model: str  # the model's name within its provider
    messages: list[ChatMessage]
    temperature: float | None = None
    max_tokens: int | None = None
    # Told the request's place in line while it waits for a provider that serves one at a time (the embedded model).
    queued: Callable[[int], Awaitable[None]] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Finish:
    """The last item of every chat stream."""

    reason: str
    input_tokens: int
    output_tokens: int


ChatEvent = str | Finish


@dataclass(frozen=True)
class ModelInfo:
    name: str  # the model's name within its provider: `gpt-4o` in `openai/gpt-4o`
    display_name: str
    context_window: int
    streaming: bool = True


class LLMProvider(ABC):
    """Streams a chat reply as text deltas, ending with one `Finish`."""

    id: str

    @property
    def configured(self) -> bool:
        return True

    @abstractmethod
    def stream(self, request: ChatRequest) -> AsyncGenerator[ChatEvent, None]: ...

    def models(self) -> list[ModelInfo] | None:
        """Models found at run time (a self-hosted server's list); None: those of the provider's description."""
        return None

    async def discover(self) -> None:
        """Refresh what `models()` returns, if it is stale; cheap when it is not. Never raises."""
        return None

    async def warm(self) -> None:
        """Load what the first request would otherwise wait for (embedded models)."""
        return None

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class Speech:
    """Mono 16-bit PCM and the viseme timeline that lines up with it."""

    pcm: bytes
    sample_rate: int
    visemes: list[VisemeSpan]
    aligned: bool = False  # visemes come from the synthesiser's own timing, not an estimate

    @property
    def duration_ms(self) -> int:
        return round(len(self.pcm) / 2 * 1000 / self.sample_rate)


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    language: str
    gender: str
    preview_text: str
    extra: dict[str, str] = field(default_factory=dict)


class TTSProvider(ABC):
    """Synthesises one piece of text into `Speech`."""

    id: str

    @property
    def configured(self) -> bool:
        return True

    @abstractmethod
    def voices(self) -> list[VoiceInfo]: ...

    @abstractmethod
    async def synthesize(self, text: str, voice_id: str, speed: float = 1.0) -> Speech: ...

    async def warm(self) -> None:
        """Load what the first request would otherwise wait for (embedded voices)."""
        return None

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class WordTiming:
    word: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Transcript:
    """What a speech-to-text engine heard; `words` is empty when the engine gives no timings."""

    text: str
    language: str
    duration_ms: int
    words: list[WordTiming] = field(default_factory=list)


@dataclass(frozen=True)
class STTModelInfo:
    name: str  # the model's name within its provider: `whisper-base` in `local/whisper-base`
    display_name: str
    languages: list[str]


class STTProvider(ABC):
    """Transcribes one utterance of mono 16-bit PCM."""

    id: str

    @property
    def configured(self) -> bool:
        return True

    @abstractmethod
    def models(self) -> list[STTModelInfo]: ...

    @abstractmethod
    async def transcribe(self, pcm: bytes, sample_rate: int, model: str, language: str | None = None) -> Transcript:
        """`pcm`: mono 16-bit little-endian samples at `sample_rate`; `model`: a name from `models()`."""

    async def transcribe_turn(
        self, pcm: bytes, sample_rate: int, model: str, language: str | None = None
    ) -> Transcript:
        """The text of a spoken socket turn, as soon as the engine can give it: no word timings needed.

        The user waits for this one, so an engine that spends time on word timings may skip them here.
        """
        return await self.transcribe(pcm, sample_rate, model, language)

    async def warm(self) -> None:
        """Load what the first request would otherwise wait for (embedded models)."""
        return None

    async def close(self) -> None:
        return None
