"""The ASGI app uvicorn serves (`avatarium serve`), configured from the environment."""

from __future__ import annotations

import logging

from avatarium.app import create_app
from avatarium.config import Settings

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per vendor call is ours, with its latency
logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # three lines per transcription otherwise
app = create_app(Settings())
