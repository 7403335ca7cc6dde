"""The ASGI app uvicorn serves (`avatarium serve`), configured from the environment."""

from __future__ import annotations

import asyncio
import logging

from avatarium.app import create_app
from avatarium.config import Settings

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per vendor call is ours, with its latency
app = create_app(Settings())


@app.on_event("startup")
async def _warm_models() -> None:
    """Load the embedded model and voice in the background, so the first reply is not slow."""
    state = app.state.avatarium
    for provider in (state.providers.llms.get("local"), state.providers.tts.get("local")):
        warm = getattr(provider, "warm", None)
        if warm is not None:
            asyncio.get_running_loop().create_task(warm())
