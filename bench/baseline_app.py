"""The baseline: a bare Starlette app returning the same envelopes, served with the same settings."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_PAYLOADS = json.loads(Path(os.environ["BENCH_PAYLOADS"]).read_text())


def _envelope(data: object) -> JSONResponse:
    return JSONResponse({"data": data, "meta": {"requestId": "req_" + secrets.token_hex(12)}})


async def avatars(_request: Request) -> JSONResponse:
    return _envelope(_PAYLOADS["avatars"])


async def conversation(_request: Request) -> JSONResponse:
    return _envelope(_PAYLOADS["conversation"])


app = Starlette(
    routes=[
        Route("/v1/avatars", avatars),
        Route("/v1/conversations/{conversation_id}", conversation),
    ]
)
