"""On PostgreSQL and Redis a request costs one Redis command, counted at the wire (a proxy reads what the
app sends), and that one command still gives what three did: exact limits, revocation and tier changes
seen by the next request, and no count for a refused credential."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from avatarium.app import create_app
from avatarium.config import Settings
from testkit.fakes.server import serve
from tests.conftest import Account, make_providers, new_account, set_tier_elsewhere
from tests.support.proxy import cuttable
from tests.support.redis import SERVER as REDIS_SERVER
from tests.support.resp import Commands

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

DATABASE = 7


@dataclass(frozen=True)
class Instances:
    counted: str  # the instance whose Redis commands are counted
    other: str  # another instance on the same database and Redis
    commands: Commands
    database_url: str
    redis_url: str


@pytest.fixture
def instances(tmp_path: Path, database_url: str) -> Iterator[Instances]:
    host, port = REDIS_SERVER.split(":")
    redis.Redis(host=host, port=int(port), db=DATABASE).flushdb()
    commands = Commands()
    direct = f"redis://{REDIS_SERVER}/{DATABASE}"
    with cuttable(host, int(port), commands.feed) as proxy, ExitStack() as stack:
        bases = []
        for redis_url in (f"redis://127.0.0.1:{proxy.port}/{DATABASE}", direct):
            settings = Settings(
                data_dir=tmp_path / "data", database_url=database_url, redis_url=redis_url, jwt_secret="s" * 40,
                anonymous_rate_limit=1000, preload_models=False,
            )  # fmt: skip
            bases.append(stack.enter_context(serve(create_app(settings, make_providers()))))
        yield Instances(bases[0], bases[1], commands, database_url, direct)


async def _sent(http: httpx.AsyncClient, commands: Commands, path: str, headers: dict[str, str]) -> list[str]:
    """The Redis commands one request sent (a response means they have all been answered)."""
    start = len(commands.names)
    response = await http.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return commands.since(start)


async def _per_request(http: httpx.AsyncClient, commands: Commands, path: str, headers: dict[str, str]) -> list[int]:
    """How many Redis commands each of five requests sent, after two that fill the caches."""
    for _ in range(2):
        await _sent(http, commands, path, headers)
    sent = [await _sent(http, commands, path, headers) for _ in range(5)]
    assert {name for names in sent for name in names} <= {"EVALSHA"}, sent
    return [len(names) for names in sent]


@asynccontextmanager
async def _clients(instances: Instances) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    counted, other = httpx.AsyncClient(base_url=instances.counted), httpx.AsyncClient(base_url=instances.other)
    async with counted, other:
        yield counted, other


async def _account(instances: Instances, enterprise: bool = True) -> tuple[Account, str]:
    """An account (on the enterprise tier, 1000 requests a minute, or free) with a conversation (its path)."""
    async with httpx.AsyncClient(base_url=instances.other) as http:
        account = await new_account(http)
        if enterprise:
            await set_tier_elsewhere(instances.database_url, account.email, "enterprise", 1000, instances.redis_url)
        created = await http.post("/v1/conversations", json={"avatarId": "ava"}, headers=account.key_headers)
    return account, f"/v1/conversations/{created.json()['data']['id']}"


async def test_an_anonymous_catalogue_read_is_one_redis_command(instances: Instances) -> None:
    async with httpx.AsyncClient(base_url=instances.counted) as http:
        assert await _per_request(http, instances.commands, "/v1/avatars", {}) == [1] * 5


@pytest.mark.parametrize("credential", ["key", "jwt"])
async def test_an_authenticated_read_is_one_redis_command(instances: Instances, credential: str) -> None:
    account, conversation = await _account(instances)
    headers = account.key_headers if credential == "key" else account.jwt_headers
    async with httpx.AsyncClient(base_url=instances.counted) as http:
        for path in (conversation, "/v1/conversations", "/v1/avatars"):
            assert await _per_request(http, instances.commands, path, headers) == [1] * 5, path


async def test_a_message_stored_elsewhere_is_in_the_next_read(instances: Instances) -> None:
    account, conversation = await _account(instances)
    async with _clients(instances) as (http, other):
        await _per_request(http, instances.commands, conversation, account.key_headers)
        sent = await other.post(f"{conversation}/messages", json={"content": "Hello"}, headers=account.key_headers)
        assert sent.status_code == 201
        start = len(instances.commands.names)
        read = await http.get(conversation, headers=account.key_headers)
    assert [m["content"] for m in read.json()["data"]["messages"]][1:2] == ["Hello"]
    assert instances.commands.since(start) == ["EVALSHA"]  # the conversation's new stamp came with the limit


async def test_a_key_revoked_elsewhere_is_refused_at_once_and_not_counted(instances: Instances) -> None:
    account, _conversation = await _account(instances)
    async with _clients(instances) as (http, other):
        await _per_request(http, instances.commands, "/v1/conversations", account.key_headers)
        keys = await other.get("/v1/api-keys", headers=account.jwt_headers)
        revoked = await other.delete(f"/v1/api-keys/{keys.json()['data'][0]['id']}", headers=account.jwt_headers)
        remaining = int(revoked.headers["X-RateLimit-Remaining"])
        start = len(instances.commands.names)
        refused = [(await http.get("/v1/conversations", headers=account.key_headers)).status_code for _ in range(3)]
        first_refusal = instances.commands.since(start)[:1]
        after = await http.get("/v1/conversations", headers=account.jwt_headers)
    assert refused == [401] * 3
    assert first_refusal == ["EVALSHA"]  # it found the account's stamp changed, and counted nothing
    assert after.headers["X-RateLimit-Remaining"] == str(remaining - 1)


async def test_a_tier_changed_elsewhere_applies_to_the_next_request(instances: Instances) -> None:
    account, conversation = await _account(instances, enterprise=False)
    async with httpx.AsyncClient(base_url=instances.counted) as http:
        await _per_request(http, instances.commands, conversation, account.key_headers)
        before = await http.get(conversation, headers=account.key_headers)
        await set_tier_elsewhere(instances.database_url, account.email, "pro", redis_url=instances.redis_url)
        after = await http.get(conversation, headers=account.key_headers)
    assert (before.headers["X-RateLimit-Limit"], after.headers["X-RateLimit-Limit"]) == ("10", "60")
