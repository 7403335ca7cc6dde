"""Groq chat (https://console.groq.com/docs/api-reference): Chat Completions under /openai/v1 of its origin."""

from avatarium.providers.protocols.chat_completions import ChatCompletionsLLM


class GroqLLM(ChatCompletionsLLM):
    path = "/openai/v1/chat/completions"
