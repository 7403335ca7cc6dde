"""Helpers that render successful results inside the envelope."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from avatarium.envelope import request_id_of, success


def ok_serialized(request: Request, data_json: bytes) -> Response:
    """The envelope around data that was serialised once and is served many times."""
    request_id = request_id_of(request.scope.setdefault("state", {}))
    body = b'{"data":' + data_json + b',"meta":{"requestId":"' + request_id.encode() + b'"}}'
    return Response(body, media_type="application/json")


# For responses that carry a secret (a token, a key): no cache, shared or private, may keep them.
NO_STORE = {"Cache-Control": "no-store"}


def ok(
    request: Request, data: Any, status: int = 200, headers: dict[str, str] | None = None, **meta: Any
) -> JSONResponse:
    body = success(data, request_id_of(request.scope.setdefault("state", {})), **meta)
    return JSONResponse(body, status_code=status, headers=headers)
