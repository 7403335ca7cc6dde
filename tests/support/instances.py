"""`avatarium serve` processes on loopback, as a balancer would see them, and a socket client's view of one."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.support.cli import Served, environment, serving

MODEL = "compat/llama3.2:1b"  # served by the Ollama fake (testkit.fakes.vendors.selfhosted)


@contextmanager
def instances(count: int, home: Path, **variables: str) -> Iterator[list[Served]]:
    """`count` servers with the same settings (so the same database and Redis, when given), models not preloaded."""
    env = environment(home, AVATARIUM_PRELOAD_MODELS="false", **variables)
    with ExitStack() as stack:
        yield [
            stack.enter_context(serving("--port", "0", env=env, stderr=home / f"instance-{i}.log"))
            for i in range(count)
        ]


def terminate(served: Served) -> None:
    """What an orchestrator does to stop an instance."""
    served.process.send_signal(signal.SIGTERM)


def stopped_cleanly(served: Served, timeout: float = 60) -> bool:
    """Whether the process ended by itself after SIGTERM: uvicorn re-raises the signal once it has shut
    down, so the exit status says SIGTERM (an orchestrator that lost patience would have sent SIGKILL)."""
    return served.process.wait(timeout=timeout) == -signal.SIGTERM


async def events_until(ws: ClientConnection, kind: str, timeout: float = 30) -> list[dict[str, Any]]:
    """Events received up to and including the first of type `kind`."""

    seen: list[dict[str, Any]] = []
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        seen.append(event)
        if event["type"] == kind:
            return seen


async def closed_with(ws: ClientConnection, timeout: float = 60) -> tuple[int, str, list[dict[str, Any]]]:
    """Read until the server closes the socket: its close code, reason, and the events that came first."""

    seen: list[dict[str, Any]] = []
    try:
        while True:
            seen.append(json.loads(await asyncio.wait_for(ws.recv(), timeout)))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "closed without a close frame"
        return closed.rcvd.code, closed.rcvd.reason, seen
