"""AVATARIUM_SIGNUP_TIER: the tier of accounts that register themselves."""

from __future__ import annotations

import httpx
import pytest

from avatarium.app import create_app
from avatarium.config import Settings
from tests.conftest import make_providers


@pytest.mark.parametrize(("setting", "tier", "limit"), [({}, "free", 10), ({"signup_tier": "pro"}, "pro", 60)])
async def test_registered_accounts_get_the_signup_tier(
    settings: Settings, setting: dict[str, str], tier: str, limit: int
) -> None:
    app = create_app(settings.model_copy(update=setting), make_providers())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        registered = await client.post("/v1/auth/register", json={"email": "a@example.com", "password": "long enough"})
        token = registered.json()["data"]["token"]
        me = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    await app.state.avatarium.engine.dispose()
    assert registered.status_code == 201
    user = registered.json()["data"]["user"]
    assert (user["tier"], user["rateLimit"]) == (tier, limit)
    assert (me.json()["data"]["tier"], me.headers["X-RateLimit-Limit"]) == (tier, str(limit))


def test_the_default_is_the_free_tier_and_others_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AVATARIUM_SIGNUP_TIER", raising=False)
    assert Settings().signup_tier == "free"
    monkeypatch.setenv("AVATARIUM_SIGNUP_TIER", "gold")
    with pytest.raises(ValueError, match="signup_tier"):
        Settings()
