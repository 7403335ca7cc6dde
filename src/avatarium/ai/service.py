"""Running a chat through the provider layer: primed streams, so failures surface before any output."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from avatarium.providers.base import ChatEvent, ChatMessage, ChatRequest, Finish
from avatarium.providers.registry import Providers


@dataclass
class ChatStream:
    """A started chat: the provider that serves it and its remaining events."""

    provider: str
    model: str
    events: AsyncGenerator[ChatEvent, None]  # close it (contextlib.aclosing) when stopping early


async def _prepend(first: ChatEvent, rest: AsyncGenerator[ChatEvent, None]) -> AsyncGenerator[ChatEvent, None]:
    async with aclosing(rest):
        yield first
        async for item in rest:
            yield item


async def start(
    providers: Providers,
    model_id: str,
    messages: list[ChatMessage],
    *,
    local_only: bool,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> ChatStream:
    """Start the chat and wait for its first event, so that a provider failure raises here."""
    provider, name = providers.llm_for(model_id, local_only)
    events = provider.stream(ChatRequest(name, messages, temperature, max_tokens))
    first = await events.__anext__()
    return ChatStream(provider.id, f"{provider.id}/{name}", _prepend(first, events))


async def collect(stream: ChatStream) -> tuple[str, Finish]:
    parts: list[str] = []
    finish = Finish("stop", 0, 0)
    async with aclosing(stream.events) as items:
        async for item in items:
            if isinstance(item, Finish):
                finish = item
            else:
                parts.append(item)
    return "".join(parts).strip(), finish
