"""Groq: chat, speech and transcription, all under /openai/v1 of its origin."""

from avatarium.providers.base import ModelInfo
from avatarium.providers.groq.llm import GroqLLM
from avatarium.providers.groq.stt import MODELS, GroqSTT
from avatarium.providers.groq.tts import VOICES, GroqTTS
from avatarium.providers.spec import ProviderSpec

PROVIDER = ProviderSpec(
    id="groq",
    name="Groq",
    base_url="https://api.groq.com",
    models=(
        ModelInfo("llama-3.3-70b-versatile", "Llama 3.3 70B Versatile", 131072),
        ModelInfo("llama-3.1-8b-instant", "Llama 3.1 8B Instant", 131072),
    ),
    voices=VOICES,
    stt_models=MODELS,
    llm=GroqLLM,
    tts=GroqTTS,
    stt=GroqSTT,
    visemes="estimated",
    tts_route=True,
)
