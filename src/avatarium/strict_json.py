"""JSON as RFC 8259 defines it, for everything a client sends.

Python's `json` module also accepts `NaN`, `Infinity` and numbers that overflow to
infinity, and decodes `"\\ud800"` into a lone surrogate; none of these is JSON, and each
broke something later (stored as invalid JSON, or a crash while rendering). U+0000 is
refused too: PostgreSQL cannot store it in text and synthesisers stop at it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

MALFORMED = "Malformed JSON in request body"


class NotStrictJSON(ValueError):
    """Well-formed for Python's parser, but not JSON (or not text we accept)."""


def _constant(name: str) -> Any:
    raise NotStrictJSON(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotStrictJSON(f"{text} is out of the range of a JSON number")
    return value


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise NotStrictJSON("strings must not contain U+0000")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotStrictJSON("strings must not contain unpaired surrogates") from None


def _check(value: Any) -> None:
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check(item)
    elif isinstance(value, list):
        for item in value:
            _check(item)


def loads(data: str | bytes) -> Any:
    """Parse strict JSON: `json.JSONDecodeError` for bad syntax, `NotStrictJSON` for what JSON does not allow."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise NotStrictJSON("the body is not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_finite)
    except RecursionError:
        raise NotStrictJSON("it is nested too deeply") from None
    _check(value)
    return value


class StrictJSONRequest(Request):
    """A request whose `json()` is strict; FastAPI turns its errors into 400s."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = loads(await self.body())
            except NotStrictJSON as exc:
                raise HTTPException(400, f"{MALFORMED}: {exc}") from None
        return self._json
