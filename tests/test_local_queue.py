"""The line in front of the embedded model: first come first served, told their place, bounded (503 past it)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.providers.local.llm import MODEL_NAME, LocalLLM
from avatarium.providers.local.queue import Line, LineFull
from testkit.fakes.server import serve
from tests.conftest import Account, create_conversation, make_providers, new_account, set_tier_elsewhere

_MODEL = LocalLLM(max_tokens=256, queue=1, slots=1)  # loaded once for this module; one at a time, one may wait
_TWO = LocalLLM(max_tokens=256, queue=1, slots=2)  # two generations at once


def teardown_module() -> None:
    _MODEL.unload()
    _TWO.unload()


async def test_the_line_is_first_come_first_served_tells_places_and_is_bounded() -> None:
    line = Line(limit=3)
    await line.acquire()
    served: list[int] = []
    told: dict[int, list[int]] = defaultdict(list)

    async def caller(n: int) -> None:
        async def tell(position: int) -> None:
            told[n].append(position)

        await line.acquire(tell)
        served.append(n)
        await asyncio.sleep(0)
        line.release()

    callers = [asyncio.create_task(caller(n)) for n in range(3)]
    while line.waiting < 3:
        await asyncio.sleep(0)
    with pytest.raises(LineFull):
        await line.acquire()  # three wait already: refused at once
    callers[1].cancel()  # gives up its place: the one behind moves up
    with pytest.raises(asyncio.CancelledError):
        await callers[1]
    line.release()
    await asyncio.gather(callers[0], callers[2])
    assert served == [0, 2]
    assert told == {0: [1], 1: [2], 2: [3, 2, 1]}
    await line.acquire()  # free again: no wait
    line.release()
    assert line.waiting == 0


async def test_the_line_lets_as_many_in_as_the_model_has_slots() -> None:
    line = Line(limit=2, capacity=2)
    await line.acquire()
    await line.acquire()  # a second slot: no wait
    told: list[int] = []

    async def tell(position: int) -> None:
        told.append(position)

    third = asyncio.create_task(line.acquire(tell))
    while line.waiting < 1:
        await asyncio.sleep(0)
    assert told == [1] and not third.done()
    line.release()  # one slot frees: the first in line takes it
    await third
    fourth = asyncio.create_task(line.acquire())
    await asyncio.sleep(0)
    assert not fourth.done()  # both slots held again
    line.release()
    await fourth
    line.release()
    line.release()
    await line.acquire()
    await line.acquire()  # both free again
    assert line.waiting == 0


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, jwt_secret="s" * 40)
    with serve(create_app(settings, make_providers(_MODEL))) as base:
        yield base


@pytest.fixture
def two_slots(tmp_path: Path, database_url: str) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, jwt_secret="s" * 40)
    with serve(create_app(settings, make_providers(_TWO))) as base:
        yield base


async def _read(ws: ClientConnection, into: list[tuple[float, dict[str, Any]]]) -> None:
    while (event := json.loads(await asyncio.wait_for(ws.recv(), 120)))["type"] != "reply.done":
        into.append((time.monotonic(), event))
    into.append((time.monotonic(), event))


@asynccontextmanager
async def _second_while_first_talks(
    server: str, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Account, ClientConnection, ClientConnection]]:
    """Two conversations of one account: the first busy with a long reply, then the second sent "Hello!"."""
    async with httpx.AsyncClient(base_url=server, timeout=120) as http:
        account = await new_account(http)
        await set_tier_elsewhere(database_url, account.email, "enterprise", 100_000)
        first, second = (await create_conversation(http, account), await create_conversation(http, account))
        url = server.replace("http", "ws") + "/v1/conversations/{}/ws"
        async with (
            connect(url.format(first["id"]), additional_headers=account.key_headers) as one,
            connect(url.format(second["id"]), additional_headers=account.key_headers) as two,
        ):
            for ws in (one, two):
                assert json.loads(await ws.recv())["type"] == "ready"
            long = "Count from one to two hundred, one number per line."
            await one.send(json.dumps({"type": "message", "content": long, "audio": False}))
            while json.loads(await one.recv())["type"] != "reply.delta":  # the model is busy with it
                pass
            await two.send(json.dumps({"type": "message", "content": "Hello!", "audio": False}))
            yield http, account, one, two


async def test_a_waiting_turn_is_told_its_place_and_past_the_limit_requests_get_503(
    server: str, database_url: str
) -> None:
    async with _second_while_first_talks(server, database_url) as (http, account, one, two):
        while (event := json.loads(await two.recv())).get("queue") is None:
            assert event["type"] != "reply.delta", "served while the model was busy"
        assert event == {"type": "state", "state": "thinking", "queue": {"position": 1}}

        refused = await http.post(
            "/v1/ai/chat",
            json={"model": f"local/{MODEL_NAME}", "messages": [{"role": "user", "content": "Hi"}]},
            headers=account.key_headers,
        )
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert refused.headers["Retry-After"] == "5" and "waiting" in refused.json()["error"]["message"]

        events_one: list[tuple[float, dict[str, Any]]] = []
        events_two: list[tuple[float, dict[str, Any]]] = []
        await asyncio.gather(_read(one, events_one), _read(two, events_two))
    first_done = events_one[-1][0]
    second_started = next(t for t, e in events_two if e["type"] == "reply.delta")
    assert second_started >= first_done  # served after the turn ahead of it, never alongside
    assert events_two[-1][1]["message"]["content"]


async def test_with_two_slots_a_second_conversation_is_answered_while_the_first_still_talks(
    two_slots: str, database_url: str
) -> None:
    async with _second_while_first_talks(two_slots, database_url) as (_http, _account, one, two):
        events_one: list[tuple[float, dict[str, Any]]] = []
        events_two: list[tuple[float, dict[str, Any]]] = []
        await asyncio.gather(_read(one, events_one), _read(two, events_two))
    assert not [e for _, e in events_two if e.get("queue")]  # never told to wait
    second_started = next(t for t, e in events_two if e["type"] == "reply.delta")
    assert second_started < events_one[-1][0]  # answered while the first reply was still being written
    assert events_two[-1][1]["message"]["content"] and events_one[-1][1]["message"]["content"]
