"""Wire-level fakes of the vendors' APIs, one module per protocol, on one local server for the hosted ones.

`app` serves every built-in hosted vendor at the paths of its real API, so each provider's base URL
can point at it (`{base}/v1` for the SDK-style ones). Self-hosted servers (Ollama, vLLM) have their
own apps in `selfhosted`, since each runs at its own base URL.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from testkit.fakes.vendors import anthropic, chat_completions, deepgram, elevenlabs, gemini
from testkit.fakes.vendors.harness import KEYS, SECRET_IN_ERRORS, STATE, TRANSCRIPT, WORDS

app = Starlette(
    routes=[
        *anthropic.ROUTES,
        *gemini.ROUTES,
        *elevenlabs.ROUTES,
        *deepgram.ROUTES,
        Mount("/v1", routes=chat_completions.routes()),
        Mount("/openai/v1", routes=chat_completions.routes()),
    ]
)

__all__ = ["KEYS", "SECRET_IN_ERRORS", "STATE", "TRANSCRIPT", "WORDS", "app"]
