"""Prometheus metrics: request counts and latencies, and per-turn realtime timings."""

from __future__ import annotations

import functools
import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGISTRY = CollectorRegistry()
REQUESTS = Counter("avatarium_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram("avatarium_http_request_seconds", "HTTP request latency", ["method", "route"], registry=REGISTRY)
TTFT = Histogram(
    "avatarium_turn_time_to_first_token_seconds", "Realtime turn: time to first LLM token", registry=REGISTRY
)
TTFA = Histogram("avatarium_turn_time_to_first_audio_seconds", "Realtime turn: time to first audio", registry=REGISTRY)
# Voice turns. Buckets from 50 ms to 10 s: spoken latencies live between a few hundred ms and a few seconds.
_VOICE_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
STT_SECONDS = Histogram(
    "avatarium_stt_seconds",
    "Speech-to-text: time to transcribe one utterance",
    buckets=_VOICE_BUCKETS,
    registry=REGISTRY,
)
SPEECH_END_TO_FIRST_AUDIO = Histogram(
    "avatarium_turn_speech_end_to_first_audio_seconds",
    "Voice turn: from the end of the user's speech (speech.stopped or commit) to the reply's first audio",
    buckets=_VOICE_BUCKETS,
    registry=REGISTRY,
)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _route_of(scope: Scope) -> str:
    """The matched route's path template (the router records it in the scope), to keep labels bounded."""
    route = scope.get("route")
    return str(getattr(route, "path_format", getattr(route, "path", "unmatched")))


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"  # clients choose it: keep it bounded
            count, latency = _series(method, _route_of(scope), status)
            count.inc()
            latency.observe(time.perf_counter() - started)


@functools.cache
def _series(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    """The labelled children, looked up once per label set (`labels()` costs as much as a cached read)."""
    return REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route)


def install(app: FastAPI) -> None:
    @app.get("/metrics", include_in_schema=False)
    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(MetricsMiddleware)
