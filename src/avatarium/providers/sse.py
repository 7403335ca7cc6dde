"""Reading server-sent events from a vendor's streaming response."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from avatarium.providers.base import ProviderError


async def events(response: httpx.Response) -> AsyncIterator[tuple[str | None, str]]:
    """(event name or None, data) for each event; `data` lines of one event are joined."""
    name: str | None = None
    data: list[str] = []
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = None, []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    if data:
        yield name, "\n".join(data)


def parse(provider: str, data: str) -> dict[str, Any]:
    """One JSON event; garbage from a vendor becomes a clean ProviderError."""
    try:
        value = json.loads(data)
    except json.JSONDecodeError:
        raise ProviderError(provider, "unavailable", "the provider sent a malformed event") from None
    if not isinstance(value, dict):
        raise ProviderError(provider, "unavailable", "the provider sent a malformed event")
    return value
