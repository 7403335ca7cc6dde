"""Wire shapes of the model catalogue and of chat completions."""

from __future__ import annotations

from typing import Literal

from avatarium.envelope import WireModel


class ModelOut(WireModel):
    id: str
    provider: str
    name: str
    context_window: int
    streaming: bool
    available: bool


class CapabilitiesOut(WireModel):
    chat: bool
    streaming: bool
    tts: bool


class ProviderOut(WireModel):
    id: str
    name: str
    configured: bool
    capabilities: CapabilitiesOut
    models: list[ModelOut]


class AssistantMessageOut(WireModel):
    role: Literal["assistant"]
    content: str


class UsageOut(WireModel):
    input_tokens: int
    output_tokens: int


class ChatResultOut(WireModel):
    id: str
    model: str
    provider: str
    message: AssistantMessageOut
    finish_reason: str
    usage: UsageOut
