"""A TCP proxy on a loopback port that can be cut and restored, to put a dependency's outage under test,
and that shows what the client sends (to count a client's commands at the wire)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Iterator


class CuttableProxy:
    """Forwards `127.0.0.1:<port>` to `target`. `cut()` drops every connection and refuses new ones
    (as a crashed or unreachable server would); `restore()` accepts again on the same port.
    `sent`, if given, is called (on the proxy's thread) with each chunk a client sends."""

    def __init__(self, target_host: str, target_port: int, sent: Callable[[bytes], None] | None = None) -> None:
        self.target = (target_host, target_port)
        self._sent = sent
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name=f"proxy-{self.port}")
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    def start(self) -> CuttableProxy:
        self._thread.start()
        self.restore()
        return self

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)  # type: ignore[arg-type]

    def restore(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def stop(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        try:
            await asyncio.gather(_pipe(reader, upstream_writer, self._sent), _pipe(upstream_reader, writer))
        finally:
            self._pipes.discard(task)
            for w in (writer, upstream_writer):
                with contextlib.suppress(Exception):
                    w.transport.abort()


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Callable[[bytes], None] | None = None
) -> None:
    while data := await reader.read(65536):
        if seen is not None:
            seen(data)
        writer.write(data)
        await writer.drain()
    writer.close()


@contextlib.contextmanager
def cuttable(host: str, port: int, sent: Callable[[bytes], None] | None = None) -> Iterator[CuttableProxy]:
    proxy = CuttableProxy(host, port, sent).start()
    try:
        yield proxy
    finally:
        proxy.stop()
