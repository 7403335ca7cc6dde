"""Accounts, tokens and API keys (contract section 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from avatarium.config import Settings
from tests.conftest import Account, create_conversation, new_account

# The same rules must hold on both supported databases.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def test_register_login_me(client: httpx.AsyncClient) -> None:
    registered = await client.post("/v1/auth/register", json={"email": "Ada@Example.com", "password": "long enough"})
    assert registered.status_code == 201
    data = registered.json()["data"]
    assert data["user"]["email"] == "ada@example.com"
    assert data["user"]["tier"] == "free"
    assert "password" not in registered.text.lower().replace('"password"', "")
    login = await client.post("/v1/auth/login", json={"email": "ada@example.com", "password": "long enough"})
    assert login.status_code == 200
    me = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['data']['token']}"})
    assert me.json()["data"]["tier"] == "free"
    assert me.json()["data"]["rateLimit"] == 10


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": "long enough"}, "email"),
        ({"email": "a@b.co", "password": "short"}, "password"),
        ({"password": "long enough"}, "email"),
    ],
)
async def test_register_rejects_bad_input(client: httpx.AsyncClient, body: dict[str, str], field: str) -> None:
    response = await client.post("/v1/auth/register", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == field


async def test_duplicate_email_is_409(client: httpx.AsyncClient) -> None:
    body = {"email": "dup@example.com", "password": "long enough"}
    assert (await client.post("/v1/auth/register", json=body)).status_code == 201
    again = await client.post("/v1/auth/register", json={**body, "email": "DUP@example.com"})
    assert again.status_code == 409


async def test_wrong_password_is_401(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post("/v1/auth/login", json={"email": account.email, "password": "wrong password"})
    assert response.status_code == 401
    unknown = await client.post("/v1/auth/login", json={"email": "nobody@example.com", "password": "wrong password"})
    assert unknown.status_code == 401
    assert response.json()["error"]["message"] == unknown.json()["error"]["message"]


async def test_signup_can_be_switched_off(tmp_path, database_url: str, llm) -> None:  # type: ignore[no-untyped-def]
    from avatarium.app import create_app
    from tests.conftest import make_providers

    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, allow_signup=False), make_providers(llm))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post("/v1/auth/register", json={"email": "a@b.co", "password": "long enough"})
    await app.state.avatarium.engine.dispose()
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


async def test_missing_credentials_is_401_with_challenge(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/conversations", json={"avatarId": "ava"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_jwt_only_endpoints_refuse_api_keys(client: httpx.AsyncClient, account: Account) -> None:
    for method, path in [("GET", "/v1/api-keys"), ("POST", "/v1/api-keys"), ("GET", "/v1/auth/me")]:
        response = await client.request(method, path, json={"name": "x"}, headers=account.key_headers)
        assert response.status_code == 401, path


async def test_api_key_endpoints_accept_a_jwt(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post("/v1/conversations", json={"avatarId": "ava"}, headers=account.jwt_headers)
    assert response.status_code == 201


async def test_key_is_shown_once_and_stored_as_hash(client: httpx.AsyncClient, account: Account, app: FastAPI) -> None:
    created = await client.post("/v1/api-keys", json={"name": "ci", "mode": "test"}, headers=account.jwt_headers)
    data = created.json()["data"]
    assert data["key"].startswith("av_test_") and len(data["key"]) >= len("av_test_") + 32
    assert data["prefix"] == data["key"][:12] and data["last4"] == data["key"][-4:]
    listed = await client.get("/v1/api-keys", headers=account.jwt_headers)
    assert data["key"] not in listed.text
    assert {"id", "name", "mode", "prefix", "last4", "createdAt", "lastUsedAt", "expiresAt", "revokedAt"} <= set(
        listed.json()["data"][0]
    )
    from sqlalchemy import text

    async with app.state.avatarium.engine.connect() as connection:
        stored = (await connection.execute(text("SELECT key_hash FROM api_keys"))).scalars().all()
    assert data["key"] not in stored and all(len(h) == 64 for h in stored)


async def test_last_used_at_is_recorded(client: httpx.AsyncClient, account: Account) -> None:
    await client.get("/v1/ai/providers", headers=account.key_headers)
    keys = (await client.get("/v1/api-keys", headers=account.jwt_headers)).json()["data"]
    assert keys[0]["lastUsedAt"] is not None


async def test_revoked_key_fails_on_next_request(client: httpx.AsyncClient, account: Account) -> None:
    keys = (await client.get("/v1/api-keys", headers=account.jwt_headers)).json()["data"]
    assert (await client.get("/v1/ai/providers", headers=account.key_headers)).status_code == 200
    revoked = await client.delete(f"/v1/api-keys/{keys[0]['id']}", headers=account.jwt_headers)
    assert revoked.status_code == 200 and revoked.json()["data"]["revokedAt"]
    again = await client.delete(f"/v1/api-keys/{keys[0]['id']}", headers=account.jwt_headers)
    assert again.json()["data"]["revokedAt"] == revoked.json()["data"]["revokedAt"]
    assert (await client.get("/v1/ai/providers", headers=account.key_headers)).status_code == 401


async def test_expired_key_fails(client: httpx.AsyncClient, account: Account, app: FastAPI) -> None:
    from sqlalchemy import update

    from avatarium.db.models import ApiKey

    async with app.state.avatarium.sessions.begin() as session:
        await session.execute(update(ApiKey).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert (await client.get("/v1/ai/providers", headers=account.key_headers)).status_code == 401


async def test_expires_at_must_be_in_the_future(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post(
        "/v1/api-keys", json={"name": "old", "expiresAt": "2000-01-01T00:00:00Z"}, headers=account.jwt_headers
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "expiresAt"


async def test_name_is_required_and_bounded(client: httpx.AsyncClient, account: Account) -> None:
    assert (await client.post("/v1/api-keys", json={}, headers=account.jwt_headers)).status_code == 400
    long = await client.post("/v1/api-keys", json={"name": "x" * 101}, headers=account.jwt_headers)
    assert long.status_code == 400


async def test_another_accounts_key_is_404(client: httpx.AsyncClient, account: Account) -> None:
    other = await new_account(client)
    keys = (await client.get("/v1/api-keys", headers=other.jwt_headers)).json()["data"]
    response = await client.delete(f"/v1/api-keys/{keys[0]['id']}", headers=account.jwt_headers)
    assert response.status_code == 404
    assert (await client.delete("/v1/api-keys/not-a-uuid", headers=account.jwt_headers)).status_code == 404


async def test_public_endpoints_ignore_invalid_tokens(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/avatars", headers={"Authorization": "Bearer av_live_" + "x" * 40})
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "10"


@pytest.mark.parametrize("algorithm", ["none", "HS512"])
async def test_tokens_with_other_algorithms_are_refused(
    client: httpx.AsyncClient, account: Account, algorithm: str
) -> None:
    claims = jwt.decode(account.token, options={"verify_signature": False})
    key = None if algorithm == "none" else "test-secret-" + "x" * 64
    forged = jwt.encode(claims, key, algorithm=algorithm)  # type: ignore[arg-type]
    response = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_token_of_another_audience_is_refused(client: httpx.AsyncClient, account: Account) -> None:
    conversation = await create_conversation(client, account)
    response = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {conversation['clientToken']}"})
    assert response.status_code == 401


async def test_expired_jwt_is_refused(client: httpx.AsyncClient, account: Account) -> None:
    claims = jwt.decode(account.token, options={"verify_signature": False})
    past = datetime.now(UTC) - timedelta(hours=1)
    expired = jwt.encode({**claims, "exp": past}, "test-secret-" + "x" * 32, algorithm="HS256")
    assert (await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})).status_code == 401


def test_generated_secret_is_kept_in_the_data_dir(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from avatarium.auth.tokens import load_or_create_secret

    first = load_or_create_secret(Settings(data_dir=tmp_path))
    assert first == load_or_create_secret(Settings(data_dir=tmp_path))
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o077 == 0
