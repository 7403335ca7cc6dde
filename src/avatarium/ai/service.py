"""Running a chat through the provider layer: primed streams, so failures surface before any output."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from itertools import pairwise

from avatarium.providers.base import ChatEvent, ChatMessage, ChatRequest, Finish, ProviderError
from avatarium.providers.registry import Providers

log = logging.getLogger("avatarium.chat")


@dataclass
class ChatStream:
    """A started chat: the provider that serves it, its remaining events, and the text they carried so far."""

    provider: str
    model: str
    events: AsyncGenerator[ChatEvent, None]  # close it (contextlib.aclosing) when stopping early
    received: list[str] = field(default_factory=list)
    finish: Finish = field(default_factory=lambda: Finish("stop", 0, 0))

    def text(self) -> str:
        """The reply so far (all of it, once `texts()` has run to the end)."""
        return "".join(self.received).strip()

    async def texts(self) -> AsyncGenerator[str, None]:
        """The text deltas; the closing `Finish` is kept in `finish`. Closes the provider's stream on exit."""
        async with aclosing(self.events) as events:
            async for item in events:
                if isinstance(item, Finish):
                    self.finish = item
                else:
                    yield item


async def _prepend(
    first: ChatEvent, rest: AsyncGenerator[ChatEvent, None], received: list[str]
) -> AsyncGenerator[ChatEvent, None]:
    async with aclosing(rest):
        item = first
        while True:
            if isinstance(item, str):
                received.append(item)
            yield item
            try:
                item = await rest.__anext__()
            except StopAsyncIteration:
                return


async def start(
    providers: Providers,
    model_id: str,
    messages: list[ChatMessage],
    *,
    local_only: bool,
    temperature: float | None = None,
    max_tokens: int | None = None,
    queued: Callable[[int], Awaitable[None]] | None = None,
) -> ChatStream:
    """Start the chat and wait for its first event, so that a provider failure raises here.

    If the provider fails before producing anything, the configured fallbacks are tried in order;
    a request the provider refused (or our key it refused) is not retried elsewhere.
    """
    request = ChatRequest("", messages, temperature, max_tokens, queued)
    chain = providers.chain(model_id)
    for candidate, after in pairwise(chain):
        try:
            return await _open(providers, candidate, request, local_only)
        except ProviderError as exc:
            if exc.category in ("bad_request", "auth"):
                raise
            log.warning("provider %s failed (%s); falling back to %s", exc.provider, exc.category, after)
    return await _open(providers, chain[-1], request, local_only)


async def _open(providers: Providers, model_id: str, request: ChatRequest, local_only: bool) -> ChatStream:
    provider, name = providers.llm_for(model_id, local_only)
    events = provider.stream(replace(request, model=name))
    try:
        first = await events.__anext__()
    except BaseException:
        await events.aclose()
        raise
    received: list[str] = []
    return ChatStream(provider.id, f"{provider.id}/{name}", _prepend(first, events, received), received)


async def collect(stream: ChatStream) -> tuple[str, Finish]:
    async with aclosing(stream.texts()) as texts:
        async for _ in texts:
            pass
    return stream.text(), stream.finish
