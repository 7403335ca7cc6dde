from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from avatarium.apikeys.service import MAX_NAME
from avatarium.clock import utcnow
from avatarium.db.models import ApiKey
from avatarium.envelope import Timestamp, WireIn, WireModel


class KeyIn(WireIn):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    mode: Literal["live", "test"] = "live"
    expires_at: datetime | None = Field(default=None, strict=False)  # an ISO 8601 string

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("must include a timezone, e.g. 2026-01-01T00:00:00Z")
        if value <= utcnow():
            raise ValueError("must be in the future")
        return value


class KeyOut(WireModel):
    id: uuid.UUID
    name: str
    mode: Literal["live", "test"]
    prefix: str
    last4: str
    created_at: Timestamp
    last_used_at: Timestamp | None
    expires_at: Timestamp | None
    revoked_at: Timestamp | None


class KeyCreatedOut(KeyOut):
    key: str = Field(description="The full secret, shown this once")


def key_out(key: ApiKey) -> dict[str, object]:
    return KeyOut.model_validate(key).wire()
