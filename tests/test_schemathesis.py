"""Schemathesis against a running server's /openapi.json, with an API key and with a user JWT.

Every operation gets a few generated requests, valid and invalid ones (derandomized, so a run is
repeatable): none may answer 500, a status the document does not list, a content type it does not
list, or a body or headers that do not match its schema. `pytest -m schemathesis` runs only these.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import CheckContext, GenerationMode, Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.db.migrate import upgrade
from testkit.fakes.server import serve
from tests.conftest import make_providers, set_tier_elsewhere
from tests.support import postgres
from tests.support.redis import redis_url

pytestmark = pytest.mark.schemathesis

# What a failing dependency answers, when the operation documents it (an unconfigured vendor is 503).
DEPENDENCY_STATUSES = (502, 503, 504)


def no_crash(ctx: CheckContext, response: Response, case: schemathesis.Case) -> bool | None:
    """No 5xx but a dependency's; `status_code_conformance` checks that the operation documents it."""
    if response.status_code >= 500 and response.status_code not in DEPENDENCY_STATUSES:
        raise AssertionError(f"{response.status_code}: {response.text[:500]}")
    return None


def not_throttled(ctx: CheckContext, response: Response, case: schemathesis.Case) -> bool | None:
    """The suite's account and address have limits no run reaches: a 429 would leave the operation untested."""
    if response.status_code == 429:
        raise AssertionError("rate limited")
    return None


CHECKS = [
    no_crash,
    not_throttled,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@dataclass(frozen=True)
class Live:
    base: str
    key: str
    jwt: str


REDIS_DATABASE = 4


@contextmanager
def _storage(root: Path, topology: str) -> Iterator[tuple[str, str | None]]:
    """The database URL and Redis URL of a topology: embedded, or what several instances share."""
    if topology == "sqlite":
        database_url = f"sqlite+aiosqlite:///{root / 'api.db'}"
        upgrade(database_url)
        yield database_url, None
        return
    redis.Redis.from_url(redis_url(REDIS_DATABASE)).flushdb()
    with postgres.fresh_database() as database_url:
        yield database_url, redis_url(REDIS_DATABASE)


@pytest.fixture(scope="module", params=["sqlite", "postgres+redis"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One server per topology, and an account on it that no rate limit gets in the way of."""
    root: Path = tmp_path_factory.mktemp("schemathesis")
    with _storage(root, request.param) as (database_url, shared):
        settings = Settings(
            data_dir=root / "data",
            database_url=database_url,
            redis_url=shared,
            jwt_secret="s" * 40,
            anonymous_rate_limit=1_000_000,
        )
        yield from _live(settings, database_url, shared)


def _live(settings: Settings, database_url: str, shared: str | None) -> Iterator[Live]:
    with serve(create_app(settings, make_providers())) as base, httpx.Client(base_url=base, timeout=60) as http:
        email = f"fuzz-{uuid.uuid4().hex[:8]}@example.com"
        registered = http.post("/v1/auth/register", json={"email": email, "password": "long enough"})
        jwt = registered.json()["data"]["token"]
        # A test key: the vendors' own TTS routes answer it with the embedded voice, so they are exercised too.
        created = http.post(
            "/v1/api-keys", json={"name": "fuzz", "mode": "test"}, headers={"Authorization": f"Bearer {jwt}"}
        )
        asyncio.run(set_tier_elsewhere(database_url, email, "enterprise", 1_000_000, shared))
        me = http.get("/v1/auth/me", headers={"Authorization": f"Bearer {jwt}"})
        assert me.json()["data"]["rateLimit"] == 1_000_000  # the server sees the new limit at once
        yield Live(base, created.json()["data"]["key"], jwt)


@pytest.fixture(scope="module")
def api(live: Live) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(live.base + "/openapi.json")


# Schemathesis's own pytest integration does not work with pytest 9, so each operation's
# strategy is run with Hypothesis directly, and what fails is collected for one report.
FEW = settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def failures(api: schemathesis.BaseSchema, base: str, credential: str) -> list[str]:
    found = []
    for result, mode in itertools.product(api.get_all_operations(), GenerationMode):
        operation = result.ok()

        @FEW
        @given(case=operation.as_strategy(generation_mode=mode))
        def generated(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=base, headers={"Authorization": f"Bearer {credential}"}, checks=CHECKS)

        try:
            generated()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing of this operation can be made invalid
        except (Exception, BaseExceptionGroup) as exc:
            found.append(f"{operation.label} ({mode.value}): {exc}")
    return found


def test_with_an_api_key(api: schemathesis.BaseSchema, live: Live) -> None:
    found = failures(api, live.base, live.key)
    assert not found, "\n\n".join(found)


def test_with_a_user_jwt(api: schemathesis.BaseSchema, live: Live) -> None:
    found = failures(api, live.base, live.jwt)
    assert not found, "\n\n".join(found)
