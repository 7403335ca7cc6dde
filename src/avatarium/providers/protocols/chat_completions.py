"""The Chat Completions protocol, streaming (https://platform.openai.com/docs/api-reference/chat-streaming).

OpenAI defined it; xAI, Groq and self-hosted servers (Ollama, vLLM, llama.cpp) speak it at their own
base URLs, so their providers subclass this one.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from avatarium.providers import sse
from avatarium.providers.base import ChatEvent, ChatRequest, Finish, LLMProvider
from avatarium.providers.vendor import Vendor

_FINISH = {"stop": "stop", "length": "length", "content_filter": "content_filter"}


class ChatCompletionsLLM(Vendor, LLMProvider):
    path = "/chat/completions"  # relative to the SDK-style base URL
    max_tokens_field = "max_completion_tokens"  # self-hosted servers know only the older `max_tokens`

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ChatEvent, None]:
        body: dict[str, object] = {
            "model": request.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.max_tokens is not None:
            body[self.max_tokens_field] = request.max_tokens
        reason, usage = "stop", {"prompt_tokens": 0, "completion_tokens": 0}
        async with self._call.stream("POST", self._base + self.path, json=body, headers=self.bearer()) as response:
            async for _name, data in sse.events(response):
                if data == "[DONE]":
                    break
                chunk = sse.parse(self.id, data)
                usage = chunk.get("usage") or usage
                for choice in chunk.get("choices") or []:
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        yield text
                    if choice.get("finish_reason"):
                        reason = _FINISH.get(choice["finish_reason"], "stop")
            else:
                raise self._call.error("unavailable", "the stream ended before it was complete")
        yield Finish(reason, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)))
