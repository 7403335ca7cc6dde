from __future__ import annotations

import re

from pydantic import Field, field_validator

from avatarium.db.models import User
from avatarium.envelope import Timestamp, WireModel
from avatarium.ratelimit import tier_limit

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Credentials(WireModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=256)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value.strip()):
            raise ValueError("must be a valid email address")
        return value.strip()


class UserOut(WireModel):
    id: str
    email: str
    tier: str
    rate_limit: int
    created_at: Timestamp


def user_out(user: User, enterprise_default: int) -> dict[str, object]:
    return UserOut(
        id=str(user.id),
        email=user.email,
        tier=user.tier,
        rate_limit=tier_limit(user.tier, user.rate_limit, enterprise_default),
        created_at=user.created_at,
    ).wire()
