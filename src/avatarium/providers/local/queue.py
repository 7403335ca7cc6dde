"""The line in front of the embedded model: `capacity` generations at a time, first come first served, bounded.

The model serves as many generations at once as it has slots. Further callers wait their turn in
arrival order and are told their place as the line moves; past `limit` callers waiting, a new one is
refused at once rather than left to wait without end.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

Waiting = Callable[[int], Awaitable[None]]  # told the caller's place in the line (1: next)


class LineFull(Exception):
    def __init__(self, waiting: int) -> None:
        super().__init__(f"{waiting} waiting")
        self.waiting = waiting


class _Place:
    def __init__(self) -> None:
        self.moved = asyncio.Event()
        self.admitted = False


class Line:
    def __init__(self, limit: int, capacity: int = 1) -> None:
        self.limit = limit
        self.capacity = capacity
        self._holders = 0
        self._places: deque[_Place] = deque()

    @property
    def waiting(self) -> int:
        return len(self._places)

    async def acquire(self, told: Waiting | None = None) -> None:
        """Returns once it is the caller's turn (then `release()`); raises `LineFull` when `limit` callers wait."""
        if self._holders >= self.capacity or self._places:
            await self._wait(told)
        else:
            self._holders += 1

    def release(self) -> None:
        self._hand_over()

    async def _wait(self, told: Waiting | None) -> None:
        if len(self._places) >= self.limit:
            raise LineFull(len(self._places))
        place = _Place()
        self._places.append(place)
        try:
            last = 0
            while not place.admitted:
                position = self._places.index(place) + 1
                if told is not None and position != last:
                    await told(position)
                    last = position
                await place.moved.wait()
                place.moved.clear()
        except BaseException:
            if place.admitted:  # handed the model while leaving: pass it on
                self._hand_over()
            else:
                self._places.remove(place)
                self._moved()
            raise

    def _hand_over(self) -> None:
        if not self._places:
            self._holders -= 1
            return
        place = self._places.popleft()
        place.admitted = True
        place.moved.set()
        self._moved()

    def _moved(self) -> None:
        for place in (*self._places,):
            place.moved.set()
