"""The Parrot provider: everything Avatarium needs to know about it, in one description."""

from avatarium.providers.base import ModelInfo
from avatarium.providers.spec import ProviderSpec
from avatarium_parrot.llm import ParrotLLM
from avatarium_parrot.tts import VOICES, ParrotTTS

PROVIDER = ProviderSpec(
    id="parrot",  # model ids `parrot/…`, voice ids `parrot-…`, PARROT_API_KEY, AVATARIUM_PARROT_BASE_URL
    name="Parrot",
    base_url="https://api.parrot.example",
    models=(ModelInfo("polly-1", "Polly 1", 8192),),
    voices=VOICES,
    llm=ParrotLLM,
    tts=ParrotTTS,
    visemes="estimated",
    tts_route=True,  # POST /v1/tts/parrot
)
