"""Serving an immutable file over HTTP like a CDN: ETag and 304, HEAD, one byte range (206) or 416."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from avatarium.errors import ApiError
from avatarium.http_cache import etag_matches

Body = Callable[[int, int], AsyncIterator[bytes]]  # bytes start..end (exclusive), in chunks
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")

# What `respond` answers besides the whole file, for the routes' `responses=`.
RESPONSES: dict[int | str, dict[str, Any]] = {
    206: {"description": "The byte range asked for with `Range`"},
    304: {"description": "Not modified: `If-None-Match` names the file's `ETag`"},
    416: {"description": "The range is outside the file"},
}


@dataclass(frozen=True)
class StoredFile:
    size: int
    etag: str  # quoted, as sent in the ETag header
    content_type: str
    cache_control: str


def _span(request: Request, size: int, etag: str) -> tuple[int, int] | None:
    """The one range asked for as (start, end exclusive); None for the whole file. 416 if it is past the end.

    A malformed header, several ranges, or an If-Range for another version are answered with the
    whole file, as RFC 9110 allows.
    """
    header = request.headers.get("range")
    if header is None or request.headers.get("if-range", etag) != etag:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size
        if int(last) == 0:
            start = size
    else:
        start, end = int(first), size if last == "" else min(int(last) + 1, size)
        if last != "" and int(last) < start:
            return None
    if start >= size or start >= end:
        raise ApiError(
            416, f"The range is outside the file's {size} bytes", headers={"Content-Range": f"bytes */{size}"}
        )
    return start, end


async def respond(request: Request, file: StoredFile, body: Body) -> Response:
    """The answer to a GET or HEAD of the file; a storage failure before the first byte is raised, not sent."""
    headers = {"ETag": file.etag, "Cache-Control": file.cache_control, "Accept-Ranges": "bytes"}
    if etag_matches(request.headers.get("if-none-match"), file.etag):
        return Response(status_code=304, headers=headers)
    span = _span(request, file.size, file.etag)
    start, end = span or (0, file.size)
    headers["Content-Length"] = str(end - start)
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{file.size}"
    status = 206 if span else 200
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=file.content_type)
    chunks = body(start, end)
    first = await anext(chunks, b"")
    return StreamingResponse(_prepend(first, chunks), status_code=status, headers=headers, media_type=file.content_type)


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk
