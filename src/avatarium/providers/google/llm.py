"""Google Gemini streamGenerateContent over SSE (https://ai.google.dev/api/generate-content)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from avatarium.providers import sse
from avatarium.providers.base import ChatEvent, ChatRequest, Finish, LLMProvider
from avatarium.providers.vendor import Vendor

_FINISH = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter"}


class GeminiLLM(Vendor, LLMProvider):
    async def stream(self, request: ChatRequest) -> AsyncGenerator[ChatEvent, None]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        body: dict[str, object] = {
            "contents": [
                {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
                for m in request.messages
                if m.role != "system"
            ],
        }
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        config: dict[str, object] = {}
        if request.temperature is not None:
            config["temperature"] = request.temperature
        if request.max_tokens is not None:
            config["maxOutputTokens"] = request.max_tokens
        if config:
            body["generationConfig"] = config
        url = f"{self._base}/v1beta/models/{request.model}:streamGenerateContent"
        headers = {"x-goog-api-key": self._key or ""}
        reason, finished = "stop", False
        usage: dict[str, int] = {}
        async with self._call.stream("POST", url, params={"alt": "sse"}, json=body, headers=headers) as response:
            async for _name, data in sse.events(response):
                chunk = sse.parse(self.id, data)
                usage = chunk.get("usageMetadata") or usage
                for candidate in chunk.get("candidates") or []:
                    for part in (candidate.get("content") or {}).get("parts") or []:
                        if part.get("text"):
                            yield part["text"]
                    if candidate.get("finishReason"):
                        reason, finished = _FINISH.get(candidate["finishReason"], "stop"), True
        if not finished:
            raise self._call.error("unavailable", "the stream ended before it was complete")
        yield Finish(reason, int(usage.get("promptTokenCount", 0)), int(usage.get("candidatesTokenCount", 0)))
