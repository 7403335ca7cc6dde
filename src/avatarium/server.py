"""Serving the app with uvicorn: on a socket bound beforehand, with a banner once it is up.

`uvicorn avatarium.server:app` also works: the app is then built on first access, from
the environment.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import Callable
from functools import cache
from typing import Any

import uvicorn
from fastapi import FastAPI

from avatarium import banner
from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.factory import build_providers
from avatarium.providers.registry import Providers

WS_MAX_BYTES = 1024 * 1024


def build(settings: Settings | None = None) -> FastAPI:
    """The app, with logging set up; each worker process calls this once."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per vendor call is ours, with its latency
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # three lines per transcription otherwise
    return create_app(settings or Settings())


@cache
def _app_from_environment() -> FastAPI:
    return build()


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app_from_environment()
    raise AttributeError(name)


class _AnnouncingServer(uvicorn.Server):
    """Prints the banner once the app has started and the socket accepts connections."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._announce()


def _options(settings: Settings) -> dict[str, Any]:
    return {
        "log_level": settings.log_level,
        "access_log": settings.access_log,
        "proxy_headers": settings.trust_proxy,
        "ws_max_size": WS_MAX_BYTES,
    }


def _print(text: str) -> None:
    print(text, flush=True)


def run(settings: Settings, listener: socket.socket, workers: int) -> None:
    """Serve on `listener` (bound and listening) until interrupted."""
    url = banner.base_url(settings, listener)
    if workers == 1:
        app = build(settings)
        providers: Providers = app.state.avatarium.providers
        server = _AnnouncingServer(
            uvicorn.Config(app, **_options(settings)), lambda: _print(banner.render(settings, providers, url))
        )
        server.run(sockets=[listener])
        if not server.started:
            sys.exit(1)
        return
    # Workers build their own apps; the socket already queues connections, so the parent can speak now.
    providers = build_providers(settings)
    _print(banner.render(settings, providers, url))
    asyncio.run(providers.close())
    uvicorn.run("avatarium.server:build", factory=True, workers=workers, fd=listener.fileno(), **_options(settings))
