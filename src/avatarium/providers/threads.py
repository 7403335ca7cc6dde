"""Bridge a blocking generator in a worker thread to an async iterator, with cancellation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


async def iterate_in_thread(produce: Callable[[threading.Event], Iterator[T]]) -> AsyncGenerator[T, None]:
    """Run `produce(stop)` in a thread and yield its items on the event loop.

    When the consumer stops early (or is cancelled), `stop` is set and we wait for
    the thread to notice it, so the resource it uses is free again when we return.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    stop = threading.Event()

    def run() -> None:
        try:
            for item in produce(stop):
                if stop.is_set():
                    break
                loop.call_soon_threadsafe(queue.put_nowait, item)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, _DONE)

    worker = asyncio.ensure_future(asyncio.to_thread(run))
    try:
        while True:
            item = await queue.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        await asyncio.shield(worker)
