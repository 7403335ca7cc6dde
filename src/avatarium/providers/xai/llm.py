"""xAI (https://docs.x.ai/docs/api-reference): the OpenAI protocol at its own base URL."""

from avatarium.providers.openai.llm import OpenAILLM


class XaiLLM(OpenAILLM):
    id = "xai"
