"""/openapi.json describes what every operation really answers, and real responses match it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.conftest import Account

Spec = dict[str, Any]
BODY_METHODS = ("post", "put", "patch")
# Served like files on a CDN, or answering whether the service is up: neither authenticated nor rate limited.
UNLIMITED = ("/health", "/v1/health", "/model.glb", "/thumbnail.png")


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> Spec:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: Spec = response.json()
    return document


def operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def schema_of(response: dict[str, Any], media: str = "application/json") -> dict[str, Any] | None:
    schema: dict[str, Any] | None = response.get("content", {}).get(media, {}).get("schema")
    return schema


def resolve(spec: Spec, schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def validate(spec: Spec, path: str, method: str, response: httpx.Response) -> None:
    """The response's body matches the schema the document gives its path, method and status."""
    documented = spec["paths"][path][method]["responses"]
    assert str(response.status_code) in documented, (path, method, response.status_code, response.text)
    schema = schema_of(documented[str(response.status_code)])
    assert schema is not None, (path, method, response.status_code)
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert errors == [], (path, method, response.status_code, errors)


def typed(schema: dict[str, Any]) -> bool:
    """A named model, or a list or union of them: something a client generator can give a type."""
    if "$ref" in schema:
        return True
    if "anyOf" in schema:
        return all(typed(option) for option in schema["anyOf"])
    return schema.get("type") == "array" and typed(schema["items"])


def test_every_operation_is_checked(spec: Spec) -> None:
    assert len(list(operations(spec))) > 35


def test_no_422_anywhere(spec: Spec) -> None:
    assert [(p, m) for p, m, op in operations(spec) if "422" in op["responses"]] == []
    assert not {"HTTPValidationError", "ValidationError"} & set(spec["components"]["schemas"])


def test_every_error_is_the_error_envelope(spec: Spec) -> None:
    envelope = spec["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["error", "meta"]
    error = resolve(spec, envelope["properties"]["error"])
    assert error["required"] == ["code", "message"] and "details" in error["properties"]
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = resolve(spec, schema_of(response) or {})
            assert {"error", "meta"} <= set(schema.get("required", [])), (path, method, status)
            assert resolve(spec, schema["properties"]["error"]) == error, (path, method, status)


def test_every_json_success_is_the_envelope_with_typed_data(spec: Spec) -> None:
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            schema = schema_of(response)
            if int(status) >= 300 or schema is None:
                continue
            envelope = resolve(spec, schema)
            assert envelope["required"] == ["data", "meta"], (path, method, status)
            data = envelope["properties"]["data"]
            assert typed(data), (path, method)
            assert resolve(spec, envelope["properties"]["meta"])["required"] == ["requestId"]


def test_every_operation_but_the_socket_documents_a_success_with_a_body(spec: Spec) -> None:
    for path, method, operation in operations(spec):
        successes = [status for status in operation["responses"] if int(status) < 300]
        if path.endswith("/ws"):
            assert successes == [], method  # over HTTP the socket's URL only ever says to upgrade
        else:
            assert operation["responses"][successes[0]]["content"], (path, method)


def test_bodies_document_their_refusals(spec: Spec) -> None:
    for path, method, operation in operations(spec):
        if method in BODY_METHODS:
            assert {"400", "413", "415"} <= set(operation["responses"]), (path, method)


def test_security_schemes_and_who_may_call_what(spec: Spec) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["apiKey"]["scheme"] == schemes["userJwt"]["scheme"] == "bearer"
    assert schemes["userJwt"]["bearerFormat"] == "JWT" and "av_live_" in schemes["apiKey"]["bearerFormat"]
    for path, method, operation in operations(spec):
        security = operation["security"]
        if "401" in operation["responses"] and path != "/v1/auth/login":
            assert security and {} not in security, (path, method)  # credentials required
        else:
            assert security == [] or {} in security, (path, method)  # none, or optional
    paths = spec["paths"]
    key_or_jwt = [{"apiKey": []}, {"userJwt": []}]
    assert paths["/v1/conversations"]["post"]["security"] == key_or_jwt
    assert paths["/v1/api-keys"]["post"]["security"] == [{"userJwt": []}]
    assert paths["/v1/avatars"]["get"]["security"] == [{}, *key_or_jwt]  # a key adds the account's own avatars
    assert paths["/v1/personas"]["get"]["security"] == []
    assert paths["/v1/auth/login"]["post"]["security"] == []


def test_rate_limits_are_documented(spec: Spec) -> None:
    for path, method, operation in operations(spec):
        responses = operation["responses"]
        if path.endswith(UNLIMITED):
            assert "429" not in responses, (path, method)
            continue
        assert "429" in responses and "Retry-After" in responses["429"]["headers"], (path, method)
        assert "503" in responses and "Retry-After" in responses["503"]["headers"], (path, method)
        for status, response in responses.items():
            limited = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(response["headers"])
            assert limited == (status != "401"), (path, method, status)
    assert spec["components"]["headers"]["X-RateLimit-Reset"]["schema"] == {"type": "integer"}


def test_route_rules_are_documented(spec: Spec) -> None:
    paths = spec["paths"]
    assert "409" in paths["/v1/conversations/{conversation_id}/messages"]["post"]["responses"]  # ended
    assert {"502", "503", "504"} <= set(paths["/v1/ai/chat"]["post"]["responses"])
    assert "403" in paths["/v1/auth/register"]["post"]["responses"]  # sign-up disabled
    assert "404" in paths["/v1/personas/{vertical}"]["get"]["responses"]
    download = paths["/v1/avatars/{avatar_id}/model.glb"]["get"]["responses"]
    assert {"200", "206", "304", "404", "416"} == set(download)
    assert "model/gltf-binary" in download["200"]["content"]
    assert set(paths["/v1/tts"]["post"]["responses"]["200"]["content"]) == {
        "application/json",
        "audio/wav",
        "audio/mpeg",
    }


def test_streams_and_the_socket_are_described(spec: Spec) -> None:
    paths = spec["paths"]
    for path, method, status in (
        ("/v1/ai/chat", "post", "200"),
        ("/v1/conversations/{conversation_id}/messages", "post", "201"),
    ):
        streamed = paths[path][method]["responses"][status]
        assert "text/event-stream" in streamed["content"]
        assert all(event in streamed["description"] for event in ("`delta`", "`done`", "event: error")), path
    socket = paths["/v1/conversations/{conversation_id}/ws"]["get"]
    assert set(socket["responses"]) == {"401", "426", "429", "503"}
    for told in ("4401", "4404", "4409", "4429", "?token=", "`reply.delta", "`audio", "`interrupt`", "`ended"):
        assert told in socket["description"], told
    created = resolve(spec, schema_of(paths["/v1/conversations"]["post"]["responses"]["201"]) or {})
    assert {"wsUrl", "clientToken"} <= set(resolve(spec, created["properties"]["data"])["required"])


async def test_real_responses_match_their_schemas(client: httpx.AsyncClient, spec: Spec, account: Account) -> None:
    key, jwt = account.key_headers, account.jwt_headers
    validate(spec, "/health", "get", await client.get("/health"))
    validate(spec, "/v1/avatars", "get", await client.get("/v1/avatars"))
    validate(spec, "/v1/avatars", "get", await client.get("/v1/avatars", headers=key))
    validate(spec, "/v1/avatars/{avatar_id}", "get", await client.get("/v1/avatars/nobody"))
    validate(spec, "/v1/avatars/{avatar_id}/model", "get", await client.get("/v1/avatars/ava/model"))
    validate(spec, "/v1/personas", "get", await client.get("/v1/personas"))
    validate(spec, "/v1/models", "get", await client.get("/v1/models"))
    validate(spec, "/v1/ai/providers", "get", await client.get("/v1/ai/providers", headers=key))
    validate(spec, "/v1/tts/voices", "get", await client.get("/v1/tts/voices"))
    validate(spec, "/v1/stt/models", "get", await client.get("/v1/stt/models"))
    validate(spec, "/v1/api-keys", "get", await client.get("/v1/api-keys", headers=jwt))
    validate(spec, "/v1/api-keys", "get", await client.get("/v1/api-keys", headers=key))  # 401: JWT only
    validate(spec, "/v1/auth/me", "get", await client.get("/v1/auth/me", headers=jwt))

    created = await client.post("/v1/conversations", json={"avatarId": "ava"}, headers=key)
    validate(spec, "/v1/conversations", "post", created)
    conversation = created.json()["data"]["id"]
    token = await client.post(f"/v1/conversations/{conversation}/client-token", headers=key)
    validate(spec, "/v1/conversations/{conversation_id}/client-token", "post", token)
    messages = f"/v1/conversations/{conversation}/messages"
    turn = await client.post(messages, json={"content": "Hello", "audio": True}, headers=key)
    validate(spec, "/v1/conversations/{conversation_id}/messages", "post", turn)
    assert turn.json()["data"]["reply"]["audio"]["visemes"]
    validate(
        spec, "/v1/conversations/{conversation_id}/messages", "post", await client.post(messages, json={}, headers=key)
    )
    validate(
        spec,
        "/v1/conversations/{conversation_id}",
        "get",
        await client.get(f"/v1/conversations/{conversation}", headers=key),
    )
    validate(spec, "/v1/conversations", "get", await client.get("/v1/conversations?limit=1", headers=key))
    validate(
        spec,
        "/v1/conversations/{conversation_id}/end",
        "post",
        await client.post(f"/v1/conversations/{conversation}/end", headers=key),
    )
    validate(
        spec,
        "/v1/conversations/{conversation_id}/messages",
        "post",
        await client.post(messages, json={"content": "Hi"}, headers=key),
    )
    validate(
        spec,
        "/v1/conversations/{conversation_id}/ws",
        "get",
        await client.get(f"/v1/conversations/{conversation}/ws", headers=key),
    )
    validate(spec, "/v1/tts", "post", await client.post("/v1/tts", json={"text": "Hi."}, headers=key))
    validate(
        spec,
        "/v1/ai/chat",
        "post",
        await client.post("/v1/ai/chat", json={"messages": [{"role": "user", "content": "Hi"}]}, headers=key),
    )
    validate(
        spec,
        "/v1/auth/login",
        "post",
        await client.post("/v1/auth/login", json={"email": account.email, "password": "wrong password"}),
    )
