"""`avatarium serve` and `avatarium db upgrade`: the database, the socket, the server."""

from __future__ import annotations

import errno
import socket
from typing import Annotated

import typer

from avatarium import overview
from avatarium.cli.output import USAGE, fail, note
from avatarium.cli.runtime import open_database

BACKLOG = 2048


def listen(host: str, port: int) -> socket.socket:
    """A socket bound and listening on host:port, or one line saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        fail(f"cannot listen on {host}:{port}: no such host or address", USAGE)
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restarts do not wait for TIME_WAIT
    try:
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fail(
                f"{host}:{port} is already in use: stop what listens there, "
                "or choose another port (--port, or PORT= with make run)"
            )
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    sock.set_inheritable(True)  # worker processes serve on it
    return sock


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).", min=0, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
) -> None:
    """Migrate the database if needed, load the presets and serve the API."""
    listener = listen(host, port)
    settings = open_database(create=True)
    if workers > 1 and not settings.redis_url:
        note(
            "warning: each worker keeps its own rate-limit counts and socket fan-out; "
            "set AVATARIUM_REDIS_URL so that they are shared"
        )
    from avatarium import server  # the app and the models: only for this command

    server.run(settings, listener, workers)


def db_upgrade() -> None:
    """Apply the database migrations (Alembic), creating the database if there is none."""
    settings = open_database(create=True)
    typer.echo(f"database {overview.database_location(settings)} is up to date")
