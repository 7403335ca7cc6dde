"""Parrot chat: newline-delimited JSON events, read as they arrive."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

from avatarium.providers.base import ChatEvent, ChatRequest, Finish, LLMProvider, ProviderError
from avatarium.providers.vendor import Vendor

_STOP = {"end": "stop", "limit": "length"}


class ParrotLLM(Vendor, LLMProvider):
    """`Vendor` gives the key, the base URL and `self._call`: timeouts, retries and the circuit breaker."""

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ChatEvent, None]:
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        body: dict[str, Any] = {"model": request.model, "messages": messages}
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        finish = Finish("stop", 0, 0)
        async with self._call.stream("POST", f"{self._base}/v1/chat", json=body, headers=self.bearer()) as response:
            async for line in response.aiter_lines():
                if not line.strip():
                    continue
                event = self._event(line)
                if event.get("type") == "text":
                    yield str(event.get("text", ""))
                elif event.get("type") == "error":
                    # Vendor text never reaches our errors: a category, and a message of our own.
                    category = "unavailable" if event.get("code") == "overloaded" else "bad_request"
                    raise self._call.error(category, "the provider reported an error")
                elif event.get("type") == "done":
                    usage = event.get("usage") or {}
                    stop = _STOP.get(str(event.get("stop")), "stop")
                    finish = Finish(stop, int(usage.get("input", 0)), int(usage.get("output", 0)))
                    break
            else:
                raise self._call.error("unavailable", "the stream ended before it was complete")
        yield finish

    def _event(self, line: str) -> dict[str, Any]:
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if not isinstance(event, dict):
            raise ProviderError(self.id, "unavailable", "the provider sent a malformed event")
        return event
