"""Leaving gracefully (SIGTERM): sockets let their running turn finish, within a deadline, then close with 1012.

1012 is "service restart": the client reconnects, through the balancer to another instance, and gets
the stored conversation in `ready`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable, Iterator

CLOSE_RESTART = 1012
RESTART_REASON = "service restart; reconnect"
STORE_MARGIN_SECONDS = 5.0  # after the deadline, for cut turns to be stored and sockets to close


class Drain:
    """The sockets an instance has open, and whether it is leaving."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.deadline = math.inf  # on the event loop's clock
        self._open = 0
        self._closed = asyncio.Event()
        self._closed.set()

    @property
    def draining(self) -> bool:
        return self.started.is_set()

    @contextlib.contextmanager
    def tracking(self) -> Iterator[None]:
        """Counts one open socket while inside."""
        self._open += 1
        self._closed.clear()
        try:
            yield
        finally:
            self._open -= 1
            if self._open == 0:
                self._closed.set()

    async def run(self, grace_seconds: float) -> None:
        """Ask every socket to leave once its turn is done, at most `grace_seconds` from now; wait until they have."""
        self.deadline = asyncio.get_running_loop().time() + grace_seconds
        self.started.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), grace_seconds + STORE_MARGIN_SECONDS)

    async def until_leaving(self, running: Callable[[], asyncio.Task[None] | None]) -> None:
        """Returns once the instance is leaving and the turn `running()` names is done, or the deadline has passed."""
        await self.started.wait()
        loop = asyncio.get_running_loop()
        while (turn := running()) is not None and not turn.done():
            remaining = self.deadline - loop.time()
            if remaining <= 0:
                return
            await asyncio.wait({turn}, timeout=remaining)
