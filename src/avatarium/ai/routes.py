from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from avatarium import sse
from avatarium.ai import service
from avatarium.ai.schemas import ChatResultOut, ModelOut, ProviderOut
from avatarium.deps import ApiCaller, StateDep, public_caller
from avatarium.envelope import WireIn, enveloped
from avatarium.errors import provider_error
from avatarium.openapi import PROVIDER_ERRORS, errors, event_stream
from avatarium.providers.base import ChatMessage, Finish, ProviderError
from avatarium.providers.registry import DEFAULT_MODEL, Providers
from avatarium.responses import ok

router = APIRouter(tags=["ai"])


class ChatMessageIn(WireIn):
    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1, max_length=32000)


class ChatIn(WireIn):
    model: str = DEFAULT_MODEL
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=200)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=4096)
    stream: bool = False


# Catalogue reads wait this long for self-hosted servers to list their models; discovery goes on after.
DISCOVERY_WAIT_SECONDS = 1.0
CAPABILITIES = ("chat", "streaming", "tts")  # the contract's shape of `capabilities`


def models_out(providers: Providers) -> list[dict[str, object]]:
    return [
        {
            "id": m.id,
            "provider": m.provider,
            "name": m.name,
            "contextWindow": m.context_window,
            "streaming": m.streaming,
            "available": providers.configured(m.provider),
        }
        for m in providers.models()
    ]


@router.get(
    "/models",
    summary="List available AI providers and models",
    dependencies=[Depends(public_caller)],
    response_model=enveloped(list[ModelOut]),
)
async def list_models(request: Request, state: StateDep) -> JSONResponse:
    await state.providers.discover(DISCOVERY_WAIT_SECONDS)
    return ok(request, models_out(state.providers))


@router.get("/ai/providers", summary="List AI providers with capabilities", response_model=enveloped(list[ProviderOut]))
async def list_providers(request: Request, state: StateDep, _caller: ApiCaller) -> JSONResponse:
    providers = state.providers
    await providers.discover(DISCOVERY_WAIT_SECONDS)
    models = models_out(providers)
    return ok(
        request,
        [
            {
                "id": spec.id,
                "name": spec.name,
                "configured": providers.configured(spec.id),
                "capabilities": {name: spec.capabilities[name] for name in CAPABILITIES},
                "models": [m for m in models if m["provider"] == spec.id],
            }
            for spec in providers.specs.values()
        ],
    )


def _result(chat_id: str, stream: service.ChatStream, text: str, finish: Finish) -> dict[str, object]:
    return {
        "id": chat_id,
        "model": stream.model,
        "provider": stream.provider,
        "message": {"role": "assistant", "content": text},
        "finishReason": finish.reason,
        "usage": {"inputTokens": finish.input_tokens, "outputTokens": finish.output_tokens},
    }


_STREAMED_CHAT = event_stream(
    "With `stream: true`, server-sent events: `delta` `{text}` as the reply is generated, then `done` with the"
    " result above. A failure after the stream has started arrives as `event: error` with"
    " `{error: {code, message}}`."
)


@router.post(
    "/ai/chat",
    summary="Raw AI chat completion",
    response_model=enveloped(ChatResultOut),
    responses={200: _STREAMED_CHAT, **errors(*PROVIDER_ERRORS)},
)
async def chat(request: Request, state: StateDep, caller: ApiCaller, body: ChatIn) -> Response:
    await state.providers.discover(DISCOVERY_WAIT_SECONDS)
    state.providers.check_model(body.model)
    messages = [ChatMessage(m.role, m.content) for m in body.messages]
    stream = await service.start(
        state.providers,
        body.model,
        messages,
        local_only=caller.local_only,
        temperature=body.temperature,
        max_tokens=body.max_tokens,
    )
    chat_id = str(uuid.uuid4())
    if not body.stream:
        text, finish = await service.collect(stream)
        return ok(request, _result(chat_id, stream, text, finish))

    async def events() -> AsyncIterator[bytes]:
        try:
            async with aclosing(stream.texts()) as texts:
                async for text in texts:
                    yield sse.event("delta", {"text": text})
        except ProviderError as exc:
            error = provider_error(exc)
            yield sse.error_event(error.code, error.message)
            return
        yield sse.event("done", _result(chat_id, stream, stream.text(), stream.finish))

    return sse.response(events())
