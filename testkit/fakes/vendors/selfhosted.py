"""Self-hosted OpenAI-compatible servers as they answer at their `/v1`: Ollama's and vLLM's.

- Ollama: https://github.com/ollama/ollama/blob/main/docs/openai.md — no key needed; `/v1/models`
  lists pulled models as `{id: "llama3.2:1b", object: "model", created, owned_by: "library"}`.
- vLLM: https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html — `--api-key` makes the key
  required; `/v1/models` adds `root` and `max_model_len`; Whisper models serve `/v1/audio/transcriptions`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from testkit.fakes.vendors import chat_completions
from testkit.fakes.vendors.harness import answering, misbehave, vendor_of

VLLM_KEY = "vllm-test-key"


def ollama(models: tuple[str, ...] = ("llama3.2:1b", "qwen2.5:0.5b")) -> Starlette:
    keys: dict[str, str | None] = {"ollama": None}

    async def listing(request: Request) -> Response:
        await misbehave(vendor_of(request, keys))
        entries = [{"id": m, "object": "model", "created": 1733000000, "owned_by": "library"} for m in models]
        return JSONResponse({"object": "list", "data": entries})

    routes = [Route("/models", answering(listing)), chat_completions.chat(keys, models)]
    return Starlette(routes=[Mount("/v1", routes=routes)])


def vllm(
    models: tuple[str, ...] = ("meta-llama/Llama-3.2-1B-Instruct",),
    speech_model: str = "kokoro",
    transcription_models: tuple[str, ...] = ("openai/whisper-large-v3",),
) -> Starlette:
    """vLLM serving a chat model and Whisper, with a speech model beside it (as a Kokoro server would add)."""
    keys: dict[str, str | None] = {"vllm": VLLM_KEY}
    served = (*models, *transcription_models, speech_model)

    async def listing(request: Request) -> Response:
        await misbehave(vendor_of(request, keys))
        entries = [
            {"id": m, "object": "model", "created": 1733000000, "owned_by": "vllm", "root": m, "max_model_len": 8192}
            for m in served
        ]
        return JSONResponse({"object": "list", "data": entries})

    routes = [Route("/models", answering(listing)), *chat_completions.routes(keys)]
    return Starlette(routes=[Mount("/v1", routes=routes)])
