"""Run an app under uvicorn on a loopback port, for socket, multi-instance and load tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Serve `app` in a thread (on `port`, or a free one); yields its base URL (http://127.0.0.1:PORT)."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True, name=f"server-{port}")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def loop_cpu_seconds(base: str) -> float:
    """CPU time used so far by the thread running the event loop of the server at `base`."""
    name = "server-" + base.rsplit(":", 1)[1]
    thread = next(t for t in threading.enumerate() if t.name == name)
    assert thread.native_id is not None
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident or 0))
