"""Serving the app with uvicorn: on a socket bound beforehand, with a banner once it is up, leaving gracefully.

`uvicorn avatarium.server:app` also works: the app is then built on first access, from
the environment. The graceful drain is ours, in one worker; uvicorn's own servers (`uvicorn ...`,
`--workers N`) close sockets at once on SIGTERM, without letting turns finish.
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
from avatarium.realtime.drain import Drain
from avatarium.state import AppState

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


class _Server(uvicorn.Server):
    """uvicorn's server, which prints the banner once it is up and, on SIGTERM, stops accepting
    connections, lets the app's sockets drain, then shuts down as uvicorn does (in-flight HTTP
    requests finish, then the lifespan ends)."""

    def __init__(
        self, config: uvicorn.Config, grace_seconds: float, announce: Callable[[], None] | None = None
    ) -> None:
        super().__init__(config)
        self._grace_seconds = grace_seconds
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self._announce is not None:
            self._announce()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:  # no new connections while the sockets drain: the balancer sends them elsewhere
            server.close()
        for sock in sockets or []:
            sock.close()
        drain = _drain_of(self.config.loaded_app)
        if drain is not None:
            draining = asyncio.create_task(drain.run(self._grace_seconds))
            while not draining.done() and not self.force_exit:  # a second Ctrl+C stops waiting
                await asyncio.wait({draining}, timeout=0.1)
            draining.cancel()
        await super().shutdown(sockets)


def _drain_of(app: Any) -> Drain | None:
    """The app's drain, under the middleware uvicorn wraps it in (each keeps the inner app as `app`)."""
    while app is not None:
        state = getattr(getattr(app, "state", None), "avatarium", None)
        if isinstance(state, AppState):
            return state.drain
        app = getattr(app, "app", None)
    return None


def _options(settings: Settings) -> dict[str, Any]:
    return {
        "log_level": settings.log_level,
        "access_log": settings.access_log,
        "proxy_headers": settings.trust_proxy,
        "ws_max_size": WS_MAX_BYTES,
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,  # HTTP requests still running after the drain
    }


def _print(text: str) -> None:
    print(text, flush=True)


def run(settings: Settings, listener: socket.socket, workers: int) -> None:
    """Serve on `listener` (bound and listening) until interrupted."""
    url = banner.base_url(settings, listener)
    if workers == 1:
        app = build(settings)
        providers: Providers = app.state.avatarium.providers
        server = _Server(
            uvicorn.Config(app, **_options(settings)),
            settings.shutdown_grace_seconds,
            lambda: _print(banner.render(settings, providers, url)),
        )
        server.run(sockets=[listener])
        if not server.started:
            sys.exit(1)
        return
    # Workers build their own apps; the socket already queues connections, so the parent can speak now.
    providers = build_providers(settings)
    _print(banner.render(settings, providers, url))
    asyncio.run(providers.close())
    # uvicorn's supervisor builds its own servers: workers close their sockets at once (1012) on SIGTERM.
    uvicorn.run("avatarium.server:build", factory=True, workers=workers, fd=listener.fileno(), **_options(settings))
