"""The embedded provider: SmolLM2 through llama.cpp, Piper and eSpeak NG voices, Whisper base through
CTranslate2; offline, always available.

It serves every call made with a test key (`av_test_`), whatever model or voice was asked for.
"""

from avatarium.providers.base import ModelInfo, STTModelInfo
from avatarium.providers.local.llm import MODEL_NAME, LocalLLM
from avatarium.providers.local.tts import LocalTTS
from avatarium.providers.local.voices import VOICES
from avatarium.providers.local.whisper import MODEL_NAME as STT_MODEL_NAME
from avatarium.providers.local.whisper import LocalWhisperSTT
from avatarium.providers.local.whisper import languages as whisper_languages
from avatarium.providers.spec import ProviderSpec, Setup


def _llm(setup: Setup) -> LocalLLM:
    return LocalLLM(
        threads=setup.integer("llm_threads"),
        context=setup.integer("llm_context"),
        max_tokens=setup.integer("llm_max_tokens"),
        queue=setup.integer("llm_queue"),
        slots=setup.integer("llm_slots"),
    )


def _tts(_setup: Setup) -> LocalTTS:
    return LocalTTS()


def _stt(setup: Setup) -> LocalWhisperSTT:
    return LocalWhisperSTT(threads=setup.integer("stt_threads"))


PROVIDER = ProviderSpec(
    id="local",
    name="Embedded (llama.cpp + Piper)",
    models=(ModelInfo(MODEL_NAME, "SmolLM2 135M Instruct", 2048),),
    voices=tuple(v.info for v in VOICES),
    stt_models=(STTModelInfo(STT_MODEL_NAME, "Whisper base", list(whisper_languages())),),
    llm=_llm,
    tts=_tts,
    stt=_stt,
    visemes="aligned",
    embedded=True,
    options={
        "llm_threads": "2",
        "llm_context": "2048",
        "llm_max_tokens": "256",
        "llm_queue": "8",
        "llm_slots": "8",
        "stt_threads": "2",
    },
)
