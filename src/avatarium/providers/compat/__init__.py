"""Any OpenAI-compatible server the operator runs: chat models discovered from its `GET /models`, and
speech and transcription when the operator names voices or transcription models it serves.

AVATARIUM_COMPAT_BASE_URL ends in /v1 (as the OpenAI SDK's base_url); AVATARIUM_COMPAT_API_KEY is optional.
"""

from avatarium.providers.compat.llm import CompatLLM
from avatarium.providers.compat.stt import CompatSTT
from avatarium.providers.compat.tts import CompatTTS
from avatarium.providers.spec import ProviderSpec

PROVIDER = ProviderSpec(
    id="compat",
    name="OpenAI-compatible server",
    llm=CompatLLM,
    tts=CompatTTS,
    stt=CompatSTT,
    visemes="estimated",
    options={
        "voices": "",  # comma-separated voice names its /audio/speech takes, e.g. af_heart,am_michael
        "tts_model": "tts-1",  # the `model` sent to /audio/speech
        "stt_models": "",  # comma-separated models its /audio/transcriptions takes, e.g. Systran/faster-whisper-small
        "discovery_seconds": "60",  # how long a model list stays fresh
        "discovery_retry_ms": "5000",  # how soon a failed listing is tried again
    },
)
