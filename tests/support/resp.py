"""The commands a Redis client sends, read from the bytes it writes (RESP: arrays of bulk strings)."""

from __future__ import annotations

import threading


class Commands:
    """Feed it what a client sent (`CuttableProxy(..., sent=commands.feed)`); `names` are the commands so far."""

    def __init__(self) -> None:
        self._buffer = b""
        self._names: list[str] = []
        self._lock = threading.Lock()

    def feed(self, data: bytes) -> None:
        with self._lock:
            self._buffer += data
            while (parsed := _command(self._buffer)) is not None:
                name, used = parsed
                self._names.append(name)
                self._buffer = self._buffer[used:]

    @property
    def names(self) -> list[str]:
        with self._lock:
            return list(self._names)

    def since(self, start: int) -> list[str]:
        return self.names[start:]


def _command(buffer: bytes) -> tuple[str, int] | None:
    """The name of the first complete command in `buffer` and the bytes it takes, or None."""
    end = buffer.find(b"\r\n")
    if end < 0:
        return None
    assert buffer.startswith(b"*"), buffer[:40]
    position, parts = end + 2, []
    for _ in range(int(buffer[1:end])):
        end = buffer.find(b"\r\n", position)
        if end < 0:
            return None
        assert buffer[position : position + 1] == b"$", buffer[position : position + 40]
        start, length = end + 2, int(buffer[position + 1 : end])
        if len(buffer) < start + length + 2:
            return None
        parts.append(buffer[start : start + length])
        position = start + length + 2
    return parts[0].decode().upper(), position
