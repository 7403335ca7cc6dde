"""A scripted LLM provider: deterministic replies, recorded requests, optional delays and failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field

from avatarium.providers.base import ChatEvent, ChatRequest, Finish, LLMProvider


def echo_reply(request: ChatRequest) -> str:
    last = request.messages[-1].content
    return f"You said: {last}. That is a good point! Tell me more about it."


@dataclass
class ScriptedLLM(LLMProvider):
    """Streams `reply(request)` word by word; `token_delay` paces it, `fail_with` raises instead."""

    id: str = "local"
    reply: Callable[[ChatRequest], str] = echo_reply
    token_delay: float = 0.0
    fail_with: Exception | None = None
    fail_after_tokens: int | None = None
    requests: list[ChatRequest] = field(default_factory=list)

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ChatEvent, None]:
        self.requests.append(request)
        if self.fail_with is not None and self.fail_after_tokens is None:
            raise self.fail_with
        words = self.reply(request).split(" ")
        for i, word in enumerate(words):
            if self.fail_with is not None and self.fail_after_tokens == i:
                raise self.fail_with
            if self.token_delay:
                await asyncio.sleep(self.token_delay)
            yield word if i == 0 else " " + word
        yield Finish("stop", sum(len(m.content.split()) for m in request.messages), len(words))
