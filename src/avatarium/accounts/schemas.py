from __future__ import annotations

from pydantic import Field, field_validator

from avatarium.accounts.service import MAX_EMAIL, is_email
from avatarium.accounts.tiers import tier_limit
from avatarium.db.models import User
from avatarium.envelope import Timestamp, WireIn, WireModel


class Credentials(WireIn):
    email: str = Field(max_length=MAX_EMAIL)
    password: str = Field(max_length=256)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not is_email(value):
            raise ValueError("must be a valid email address")
        return value.strip()


class UserOut(WireModel):
    id: str
    email: str
    tier: str
    rate_limit: int
    created_at: Timestamp


class SessionOut(WireModel):
    user: UserOut
    token: str = Field(description="A user JWT, for `Authorization: Bearer …`")
    expires_at: str


def user_out(user: User, enterprise_default: int) -> dict[str, object]:
    return UserOut(
        id=str(user.id),
        email=user.email,
        tier=user.tier,
        rate_limit=tier_limit(user.tier, user.rate_limit, enterprise_default),
        created_at=user.created_at,
    ).wire()
