"""Finding a self-hosted server's chat models from its `GET /models`, without making anyone wait for it.

The list is fetched by one task at a time, in the background; it is fresh for `fresh` seconds after the
server answered, and after a failure it is tried again once `retry` seconds have passed, on the next
read. Until the server first answers, the list is unknown; after that, a failed refresh keeps the last
list. So a server that is down at start-up is found as soon as it is up, and one that goes away for a
moment does not empty the catalogue.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from avatarium.providers.base import ModelInfo, ProviderError
from avatarium.providers.resilience import VendorCall

log = logging.getLogger("avatarium.providers")
DEFAULT_CONTEXT_WINDOW = 4096  # when the server does not say (Ollama's default context)


class ModelList:
    def __init__(
        self,
        call: VendorCall,
        url: str,
        headers: Callable[[], dict[str, str]],
        excluded: set[str],
        fresh: float,
        retry: float,
    ) -> None:
        self._call, self._url, self._headers, self._excluded = call, url, headers, excluded
        self._fresh, self._retry = fresh, retry
        self.models: list[ModelInfo] | None = None  # None until the server first answers
        self._checked_at: float | None = None
        self._answered = False
        self._task: asyncio.Task[None] | None = None

    def _stale(self) -> bool:
        if self._checked_at is None:
            return True
        return time.monotonic() - self._checked_at >= (self._fresh if self._answered else self._retry)

    def refresh_soon(self) -> None:
        """Start a refresh in the background if the list is stale and none is running (needs a running loop)."""
        if not self._stale() or (self._task is not None and not self._task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._fetch())

    async def refresh(self) -> None:
        """Refresh if stale and wait for it; a caller that stops waiting does not cancel it."""
        self.refresh_soon()
        if self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _fetch(self) -> None:
        try:
            self.models = self._parse(await self._call.read("GET", self._url, headers=self._headers()))
            self._answered = True
        except ProviderError as exc:
            log.warning("provider=%s could not list its models (%s); retrying in %.0f s", exc.provider,
                        exc.category, self._retry)  # fmt: skip
            self._answered = False
        finally:
            self._checked_at = time.monotonic()

    def _parse(self, body: bytes) -> list[ModelInfo]:
        try:
            entries: list[Any] = json.loads(body)["data"]
            return [_model(entry) for entry in entries if str(entry["id"]) not in self._excluded]
        except (ValueError, KeyError, TypeError) as exc:
            raise self._call.error("unavailable", "the server sent an unreadable model list") from exc


def _model(entry: dict[str, Any]) -> ModelInfo:
    context = entry.get("max_model_len") or entry.get("context_length") or DEFAULT_CONTEXT_WINDOW
    return ModelInfo(str(entry["id"]), str(entry["id"]), int(context))
