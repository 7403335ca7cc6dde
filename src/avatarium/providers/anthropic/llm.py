"""Anthropic Messages, streaming (https://docs.anthropic.com/en/api/messages-streaming)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from avatarium.providers import sse
from avatarium.providers.base import ChatEvent, ChatRequest, Finish, LLMProvider
from avatarium.providers.vendor import Vendor

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024
_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length"}


class AnthropicLLM(Vendor, LLMProvider):
    async def stream(self, request: ChatRequest) -> AsyncGenerator[ChatEvent, None]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        body: dict[str, object] = {
            "model": request.model,
            "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages if m.role != "system"],
            "stream": True,
        }
        if system:
            body["system"] = system  # Anthropic takes the system prompt as its own field
        if request.temperature is not None:
            body["temperature"] = min(request.temperature, 1.0)
        headers = {"x-api-key": self._key or "", "anthropic-version": API_VERSION}
        reason, input_tokens, output_tokens = "stop", 0, 0
        async with self._call.stream("POST", self._base + "/v1/messages", json=body, headers=headers) as response:
            async for name, data in sse.events(response):
                event = sse.parse(self.id, data)
                kind = event.get("type", name)
                if kind == "message_start":
                    input_tokens = int(event.get("message", {}).get("usage", {}).get("input_tokens", 0))
                elif kind == "content_block_delta":
                    text = event.get("delta", {}).get("text")
                    if text:
                        yield text
                elif kind == "message_delta":
                    output_tokens = int(event.get("usage", {}).get("output_tokens", output_tokens))
                    reason = _FINISH.get(event.get("delta", {}).get("stop_reason") or "", "stop")
                elif kind == "error":
                    overloaded = event.get("error", {}).get("type") == "overloaded_error"
                    raise self._call.error(
                        "unavailable" if overloaded else "bad_request", "the provider reported an error"
                    )
                elif kind == "message_stop":
                    break
            else:
                raise self._call.error("unavailable", "the stream ended before it was complete")
        yield Finish(reason, input_tokens, output_tokens)
