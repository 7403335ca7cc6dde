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


def ok(request: Request, data: Any, status: int = 200, **meta: Any) -> JSONResponse:
    return JSONResponse(success(data, request_id_of(request.scope.setdefault("state", {})), **meta), status_code=status)
