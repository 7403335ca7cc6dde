"""ElevenLabs: speech whose visemes follow its own character timing."""

from avatarium.providers.elevenlabs.tts import VOICES, ElevenLabsTTS
from avatarium.providers.spec import ProviderSpec

PROVIDER = ProviderSpec(
    id="elevenlabs",
    name="ElevenLabs",
    base_url="https://api.elevenlabs.io",
    voices=VOICES,
    tts=ElevenLabsTTS,
    visemes="aligned",
    tts_route=True,
)
