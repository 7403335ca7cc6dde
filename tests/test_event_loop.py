"""CPU-bound work never runs on the event loop, where it would stall every other request and socket.

Measured as CPU time of the server's event-loop thread (not wall time, which a busy machine distorts):
work done in worker threads does not count against it.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from avatarium.app import create_app
from avatarium.config import Settings
from testkit.fakes.server import loop_cpu_seconds, serve
from tests.conftest import make_providers

COUNT = 20


def _hash_cpu_seconds() -> float:
    """What one password hash costs the thread that asks for it, on this machine, right now."""
    started = time.thread_time()
    PasswordHasher().hash("a long password")
    return time.thread_time() - started


async def _loop_cpu(base: str, requests: list[Awaitable[httpx.Response]], status: int | None) -> float:
    gc.collect()
    gc.disable()  # a collection of what earlier tests left would land on whichever thread allocates
    try:
        before = loop_cpu_seconds(base)
        responses = await asyncio.gather(*requests)
        spent = loop_cpu_seconds(base) - before
    finally:
        gc.enable()
    assert status is None or all(r.status_code == status for r in responses), [r.text for r in responses]
    return spent


async def test_logins_hash_passwords_off_the_event_loop(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, jwt_secret="s" * 40, anonymous_rate_limit=1000
    )
    with serve(create_app(settings, make_providers())) as base:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            credentials = {"email": "hasher@example.com", "password": "a long password"}
            assert (await http.post("/v1/auth/register", json=credentials)).status_code == 201
            # The same requests' handling without a hash: registering an address that is taken.
            register = [lambda: http.post("/v1/auth/register", json=credentials)] * COUNT
            login = [lambda: http.post("/v1/auth/login", json=credentials)] * COUNT
            await _loop_cpu(base, [call() for call in register[:2] + login[:2]], None)  # warm both paths up
            baseline = await _loop_cpu(base, [call() for call in register], 409)
            logins = await _loop_cpu(base, [call() for call in login], 200)
    # Hashing on the loop would add COUNT hashes to the baseline; issuing the tokens costs a little too.
    assert logins - baseline < COUNT / 2 * _hash_cpu_seconds(), (logins, baseline)
