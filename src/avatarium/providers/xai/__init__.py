"""xAI (https://docs.x.ai/docs/api-reference): chat in the Chat Completions protocol at its own base URL."""

from avatarium.providers.base import ModelInfo
from avatarium.providers.protocols.chat_completions import ChatCompletionsLLM
from avatarium.providers.spec import ProviderSpec

PROVIDER = ProviderSpec(
    id="xai",
    name="xAI",
    base_url="https://api.x.ai/v1",
    models=(ModelInfo("grok-4", "Grok 4", 256000), ModelInfo("grok-3-mini", "Grok 3 mini", 131072)),
    llm=ChatCompletionsLLM,
)
