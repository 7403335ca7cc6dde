"""Helpers that render successful results inside the envelope."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from avatarium.envelope import request_id_of, success


def ok(request: Request, data: Any, status: int = 200, **meta: Any) -> JSONResponse:
    return JSONResponse(success(data, request_id_of(request.scope.setdefault("state", {})), **meta), status_code=status)
