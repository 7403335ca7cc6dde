"""Chat with any server that speaks the Chat Completions protocol (Ollama, vLLM, llama.cpp's server, …),
its models discovered from the server itself."""

from __future__ import annotations

from dataclasses import replace

from avatarium.providers.base import ModelInfo
from avatarium.providers.compat.discovery import ModelList
from avatarium.providers.protocols.chat_completions import ChatCompletionsLLM
from avatarium.providers.resilience import VendorCall
from avatarium.providers.spec import Setup

DISCOVERY_DEADLINE = 5.0


class CompatLLM(ChatCompletionsLLM):
    max_tokens_field = "max_tokens"

    def __init__(self, setup: Setup) -> None:
        super().__init__(setup)
        # Listing models gets its own short deadline and breaker: it must never hold a catalogue read for long.
        policy = replace(setup.policy, deadline=min(DISCOVERY_DEADLINE, setup.policy.deadline), retries=0)
        excluded = {setup.options["tts_model"], *setup.names("stt_models")}
        self._list = ModelList(
            VendorCall(setup.provider, setup.http, policy),
            f"{self._base}/models",
            self.bearer,
            excluded,
            fresh=float(setup.integer("discovery_seconds")),
            retry=float(setup.integer("discovery_retry_ms")) / 1000,
        )

    @property
    def configured(self) -> bool:
        return bool(self._base)  # a key is optional: many self-hosted servers take none

    def models(self) -> list[ModelInfo]:
        if not self.configured:
            return []
        self._list.refresh_soon()
        return list(self._list.models or [])

    async def discover(self) -> None:
        if self.configured:
            await self._list.refresh()

    async def warm(self) -> None:
        await self.discover()

    async def close(self) -> None:
        await self._list.close()
