"""The installed `avatarium` command, run as operators run it: a process of its own, in a clean environment."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

AVATARIUM = str(Path(sys.executable).with_name("avatarium"))
BANNER_END = "Press Ctrl+C to stop."
TIMEOUT = 120  # seconds; generous, since the machine may be busy


def environment(home: Path, **variables: str) -> dict[str, str]:
    """This process's environment without any Avatarium setting or vendor key, with its own home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AVATARIUM_") and not k.endswith("_API_KEY")}
    env |= {"HOME": str(home), "XDG_DATA_HOME": str(home / "share")}
    return env | variables


def avatarium(
    *args: str, env: dict[str, str], stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command
        [AVATARIUM, *args], env=env, input=stdin, capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd, check=False
    )


@dataclass
class Served:
    banner: str
    url: str
    process: subprocess.Popen[str]


@contextmanager
def serving(*args: str, env: dict[str, str], stderr: Path) -> Iterator[Served]:
    """`avatarium serve ARGS` until its banner is printed; interrupted (Ctrl+C) on the way out."""
    with stderr.open("w") as errors:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [AVATARIUM, "serve", *args], env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process, lines), daemon=True).start()
    try:
        banner = _read_banner(lines)
        url = banner.splitlines()[0].rsplit(" ", 1)[-1]
        yield Served(banner, url, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _pump(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _read_banner(lines: queue.Queue[str | None]) -> str:
    seen: list[str] = []
    while True:
        line = lines.get(timeout=TIMEOUT)
        if line is None:
            raise AssertionError("the server stopped before printing its banner:\n" + "\n".join(seen))
        if line.startswith("Avatarium ") or seen:
            seen.append(line)
        if line == BANNER_END:
            return "\n".join(seen)
