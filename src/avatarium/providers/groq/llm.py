"""Groq (https://console.groq.com/docs/api-reference): the OpenAI protocol under /openai/v1 of its origin."""

from avatarium.providers.openai.llm import OpenAILLM


class GroqLLM(OpenAILLM):
    id = "groq"
    path = "/openai/v1/chat/completions"
