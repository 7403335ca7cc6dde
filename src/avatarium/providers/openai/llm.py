"""OpenAI Chat Completions, streaming (https://platform.openai.com/docs/api-reference/chat/create).

xAI and Groq speak the same protocol and subclass this with their own base URL.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import httpx

from avatarium.providers import sse
from avatarium.providers.base import ChatEvent, ChatRequest, Finish, LLMProvider
from avatarium.providers.resilience import Policy, VendorCall

_FINISH = {"stop": "stop", "length": "length", "content_filter": "content_filter"}


class OpenAILLM(LLMProvider):
    id = "openai"
    path = "/chat/completions"  # relative to the SDK-style base URL, which ends in /v1 for OpenAI

    def __init__(self, api_key: str | None, base_url: str, client: httpx.AsyncClient, policy: Policy | None = None):
        self._key = api_key
        self._url = base_url.rstrip("/") + self.path
        self._call = VendorCall(self.id, client, policy)

    @property
    def configured(self) -> bool:
        return bool(self._key)

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
            body["max_completion_tokens"] = request.max_tokens
        headers = {"Authorization": f"Bearer {self._key}"}
        reason, usage = "stop", {"prompt_tokens": 0, "completion_tokens": 0}
        async with self._call.stream("POST", self._url, json=body, headers=headers) as response:
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
