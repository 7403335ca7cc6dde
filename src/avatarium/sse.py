"""Server-sent events framing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse


def event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def error_event(code: str, message: str) -> bytes:
    return event("error", {"error": {"code": code, "message": message}})


def response(events: AsyncIterator[bytes], status: int = 200) -> StreamingResponse:
    return StreamingResponse(
        events,
        status_code=status,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
