"""Deepgram: Aura speech and Nova transcription."""

from avatarium.providers.deepgram.stt import MODELS, DeepgramSTT
from avatarium.providers.deepgram.tts import VOICES, DeepgramTTS
from avatarium.providers.spec import ProviderSpec

PROVIDER = ProviderSpec(
    id="deepgram",
    name="Deepgram",
    base_url="https://api.deepgram.com",
    voices=VOICES,
    stt_models=MODELS,
    tts=DeepgramTTS,
    stt=DeepgramSTT,
    visemes="estimated",
    tts_route=True,
)
