"""Wire basics (contract section 1): envelope, request ids, errors, body limits, content types."""

from __future__ import annotations

import re

import httpx
import pytest

from testkit.fakes.llm import ScriptedLLM
from tests.conftest import Account

REQUEST_ID = re.compile(r"^req_[0-9a-f]{24}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_success_envelope_carries_request_id_in_body_and_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/avatars")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"data", "meta"}
    assert REQUEST_ID.match(body["meta"]["requestId"])
    assert response.headers["X-Request-Id"] == body["meta"]["requestId"]
    assert TIMESTAMP.match(body["data"][0]["createdAt"])


async def test_unknown_path_is_enveloped_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/does-not-exist")
    body = response.json()
    assert response.status_code == 404
    assert body["error"]["code"] == "NOT_FOUND"
    assert response.headers["X-Request-Id"] == body["meta"]["requestId"]


async def test_wrong_method_is_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/avatars")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response.headers["Allow"]


async def test_validation_names_field_as_client_spelled_it(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post("/v1/conversations", json={}, headers=account.key_headers)
    body = response.json()
    assert response.status_code == 400
    assert body["error"] == {
        "code": "BAD_REQUEST",
        "message": "avatarId is required",
        "details": [{"field": "avatarId", "issue": "required"}],
    }


async def test_every_problem_is_listed_in_details(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post(
        "/v1/ai/chat",
        json={"messages": [{"role": "robot", "content": ""}], "maxTokens": 0},
        headers=account.key_headers,
    )
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert response.status_code == 400
    assert fields == {"messages.0.role", "messages.0.content", "maxTokens"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"stream": 0}, "stream must be true or false"),  # found by the Schemathesis suite
        ({"stream": "false"}, "stream must be true or false"),
        ({"maxTokens": "5"}, "maxTokens must be an integer"),
        ({"maxTokens": 5.0}, "maxTokens must be an integer"),
        ({"temperature": "1"}, "temperature must be a number"),
    ],
)
async def test_values_must_have_the_documented_json_type(
    client: httpx.AsyncClient, account: Account, body: dict[str, object], message: str
) -> None:
    chat = {"messages": [{"role": "user", "content": "Hi"}], **body}
    response = await client.post("/v1/ai/chat", json=chat, headers=account.key_headers)
    assert response.status_code == 400, response.text
    field = next(iter(body))
    assert response.json()["error"] == {
        "code": "BAD_REQUEST",
        "message": message,
        "details": [{"field": field, "issue": "invalid"}],
    }
    assert (
        await client.post(
            "/v1/ai/chat", json=chat | {field: 1 if field != "stream" else False}, headers=account.key_headers
        )
    ).status_code == 200


async def test_malformed_json_is_400(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post(
        "/v1/conversations",
        content=b'{"avatarId": ',
        headers={**account.key_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Malformed JSON in request body"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"avatarId": "ava", "metadata": {"n": NaN}}', "NaN"),
        (b'{"avatarId": "ava", "metadata": {"n": Infinity}}', "Infinity"),
        (b'{"avatarId": "ava", "metadata": {"n": -Infinity}}', "Infinity"),
        (b'{"avatarId": "ava", "metadata": {"n": 1e400}}', "1e400"),
        (b'{"avatarId": "ava", "metadata": {"k": "\\ud800"}}', "surrogates"),
        (b'{"avatarId": "ava", "metadata": {"\\udfff": "v"}}', "surrogates"),
        (b'{"avatarId": "ava", "metadata": {"k": "a\\u0000b"}}', "U+0000"),
        (b'{"avatarId": "ava", "metadata": {"k": "\xff\xfe"}}', "UTF-8"),
    ],
)
async def test_what_json_does_not_allow_is_400_and_stores_nothing(
    client: httpx.AsyncClient, account: Account, body: bytes, reason: str
) -> None:
    headers = {**account.key_headers, "Content-Type": "application/json"}
    response = await client.post("/v1/conversations", content=body, headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (
        error["code"] == "BAD_REQUEST" and error["message"].startswith("Malformed JSON") and reason in error["message"]
    )
    listed = await client.get("/v1/conversations", headers=account.key_headers)
    assert listed.json()["data"] == []


async def test_other_content_type_is_415(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post(
        "/v1/conversations", content=b"avatarId=ava", headers={**account.key_headers, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_body_over_one_mebibyte_is_413_by_declared_length(client: httpx.AsyncClient, account: Account) -> None:
    big = b'{"content": "' + b"a" * (1024 * 1024) + b'"}'
    response = await client.post(
        "/v1/auth/login", content=big, headers={**account.key_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_streamed_body_over_limit_is_413_without_reading_it_all(
    client: httpx.AsyncClient, account: Account
) -> None:
    sent = 0

    async def chunks():  # type: ignore[no-untyped-def]
        nonlocal sent
        for _ in range(64):
            sent += 64 * 1024
            yield b"a" * (64 * 1024)

    response = await client.post(
        "/v1/auth/login", content=chunks(), headers={**account.key_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert sent < 64 * 64 * 1024


async def test_crash_is_500_without_internals(client: httpx.AsyncClient, account: Account, llm: ScriptedLLM) -> None:
    llm.fail_with = RuntimeError("SELECT password_hash FROM users -- secret internals")
    response = await client.post(
        "/v1/ai/chat", json={"messages": [{"role": "user", "content": "hi"}]}, headers=account.key_headers
    )
    assert response.status_code == 500
    assert response.json()["error"] == {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error"}
    assert "SELECT" not in response.text and "Traceback" not in response.text
    assert response.headers["X-Request-Id"] == response.json()["meta"]["requestId"]


async def test_openapi_and_metrics_are_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/v1/conversations" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200
    await client.get("/v1/avatars")
    await client.request("BREW", "/v1/avatars")  # a method the client invents is not a new series
    metrics = await client.get("/metrics")
    assert "avatarium_http_requests_total" in metrics.text
    assert 'method="OTHER"' in metrics.text and "BREW" not in metrics.text


async def test_health_is_503_when_a_dependency_is_down(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from avatarium.app import create_app
    from avatarium.config import Settings
    from tests.conftest import make_providers

    settings = Settings(data_dir=tmp_path, database_url=database_url, redis_url="redis://127.0.0.1:1/0")
    app = create_app(settings, make_providers())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.get("/health")
    await app.state.avatarium.engine.dispose()
    body = response.json()
    assert response.status_code == 503
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert body["data"]["checks"] == {"database": "ok", "redis": "down"}


async def test_cors_allows_configured_origins(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from avatarium.app import create_app
    from avatarium.config import Settings
    from tests.conftest import make_providers

    settings = Settings(data_dir=tmp_path, database_url=database_url, cors_origins=["https://app.example.com"])
    app = create_app(settings, make_providers())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        allowed = await http.get("/v1/avatars", headers={"Origin": "https://app.example.com"})
        other = await http.get("/v1/avatars", headers={"Origin": "https://evil.example.com"})
    await app.state.avatarium.engine.dispose()
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "x-ratelimit-remaining" in allowed.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    ("scheme", "headers", "root_path", "server"),
    [
        ("http", [(b"host", b"example.com:8000")], "", ("10.0.0.1", 8000)),
        ("https", [], "/api", ("10.0.0.1", 443)),
        ("http", [], "", ("10.0.0.1", 8080)),
    ],
)
def test_absolute_urls_start_where_starlettes_base_url_does(
    scheme: str, headers: list[tuple[bytes, bytes]], root_path: str, server: tuple[str, int] | None
) -> None:
    from starlette.requests import Request

    from avatarium.envelope import public_base

    scope = {"type": "http", "scheme": scheme, "headers": headers, "root_path": root_path, "path": "/v1/x"}
    scope |= {"server": server, "query_string": b""}
    assert public_base(None, scope) == str(Request(scope).base_url).rstrip("/")
    assert public_base("https://avatars.example.com/", scope) == "https://avatars.example.com"


async def test_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    for path, methods in (("/v1/conversations", {"GET", "HEAD", "POST"}), ("/v1/api-keys", {"GET", "HEAD", "POST"})):
        response = await client.put(path, json={})
        assert response.status_code == 405 and response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
        assert set(response.headers["Allow"].split(", ")) == methods


async def test_head_is_answered_like_get_without_a_body(client: httpx.AsyncClient) -> None:
    model_url = (await client.get("/v1/avatars/ava/model")).json()["data"]["url"]
    got = await client.get(model_url)
    head = await client.head(model_url)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-control"):
        assert head.headers[name] == got.headers[name]


async def test_if_none_match_compares_whole_entity_tags(client: httpx.AsyncClient) -> None:
    model_url = (await client.get("/v1/avatars/ava/model")).json()["data"]["url"]
    etag = (await client.get(model_url)).headers["etag"]
    for header, status in (
        (etag, 304),
        (f'"other", {etag}', 304),
        (f"W/{etag}", 304),
        ("*", 304),
        (f'"{etag.strip(chr(34))[:8]}"', 200),  # a prefix of the tag is another tag
        (etag.strip('"'), 200),  # not a quoted entity tag at all
        (f'"a"{etag.strip(chr(34))}"b"', 200),  # the tag's text between two other tags is not the tag
    ):
        response = await client.get(model_url, headers={"If-None-Match": header})
        assert response.status_code == status, header


async def test_responses_with_secrets_are_not_stored_by_caches(client: httpx.AsyncClient) -> None:
    credentials = {"email": "cache@example.com", "password": "long enough"}
    registered = await client.post("/v1/auth/register", json=credentials)
    login = await client.post("/v1/auth/login", json=credentials)
    jwt = {"Authorization": f"Bearer {login.json()['data']['token']}"}
    key = await client.post("/v1/api-keys", json={"name": "k"}, headers=jwt)
    conversation = await client.post("/v1/conversations", json={"avatarId": "ava"}, headers=jwt)
    for response in (registered, login, key, conversation):
        assert response.status_code in (200, 201) and response.headers["Cache-Control"] == "no-store"


async def test_every_response_says_nosniff(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/v1/avatars"),
        await client.get("/v1/nothing-here"),
        await client.post("/v1/conversations", content=b"x" * 10, headers={"Content-Type": "text/plain"}),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
