"""Anthropic: chat through the Messages API."""

from avatarium.providers.anthropic.llm import AnthropicLLM
from avatarium.providers.base import ModelInfo
from avatarium.providers.spec import ProviderSpec

PROVIDER = ProviderSpec(
    id="anthropic",
    name="Anthropic",
    base_url="https://api.anthropic.com",
    models=(
        ModelInfo("claude-sonnet-4-5", "Claude Sonnet 4.5", 200000),
        ModelInfo("claude-haiku-4-5", "Claude Haiku 4.5", 200000),
        ModelInfo("claude-opus-4-1", "Claude Opus 4.1", 200000),
    ),
    llm=AnthropicLLM,
)
