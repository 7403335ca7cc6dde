"""OpenAI: chat, speech and transcription."""

from avatarium.providers.base import ModelInfo
from avatarium.providers.openai.stt import MODELS, OpenAISTT
from avatarium.providers.openai.tts import VOICES, OpenAITTS
from avatarium.providers.protocols.chat_completions import ChatCompletionsLLM
from avatarium.providers.spec import ProviderSpec

PROVIDER = ProviderSpec(
    id="openai",
    name="OpenAI",
    base_url="https://api.openai.com/v1",
    models=(
        ModelInfo("gpt-4o", "GPT-4o", 128000),
        ModelInfo("gpt-4o-mini", "GPT-4o mini", 128000),
        ModelInfo("gpt-4.1", "GPT-4.1", 1047576),
        ModelInfo("gpt-4.1-mini", "GPT-4.1 mini", 1047576),
    ),
    voices=VOICES,
    stt_models=MODELS,
    llm=ChatCompletionsLLM,
    tts=OpenAITTS,
    stt=OpenAISTT,
    visemes="estimated",
)
