"""The queries behind authentication, read as plain rows: every authenticated request may run them."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.db.models import ApiKey, User


@dataclass
class KeyRecord:
    """What a key lookup needs to know, cached as long as its owner's stamp is unchanged."""

    key_id: uuid.UUID
    user_id: uuid.UUID
    tier: str
    rate_limit: int | None
    mode: str
    revoked: bool
    expires_at: datetime | None
    last_used_at: datetime | None  # as this instance last wrote or read it


@dataclass(frozen=True)
class UserRecord:
    user_id: uuid.UUID
    tier: str
    rate_limit: int | None


_KEY_LOOKUP = (
    select(
        ApiKey.id,
        ApiKey.key_hash,
        ApiKey.mode,
        ApiKey.revoked_at,
        ApiKey.expires_at,
        ApiKey.last_used_at,
        User.id.label("user_id"),
        User.tier,
        User.rate_limit,
    )
    .join(User, User.id == ApiKey.user_id)
    .where(ApiKey.key_hash == bindparam("digest"))
)
_USER_LOOKUP = select(User.tier, User.rate_limit).where(User.id == bindparam("user_id"))
_TOUCH_KEY = update(ApiKey).where(ApiKey.id == bindparam("key_id")).values(last_used_at=bindparam("now"))


async def key_by_digest(session: AsyncSession, digest: str) -> KeyRecord | None:
    row = (await session.execute(_KEY_LOOKUP, {"digest": digest})).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return KeyRecord(
        row.id,
        row.user_id,
        row.tier,
        row.rate_limit,
        row.mode,
        row.revoked_at is not None,
        row.expires_at,
        row.last_used_at,
    )


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> UserRecord | None:
    row = (await session.execute(_USER_LOOKUP, {"user_id": user_id})).first()
    return None if row is None else UserRecord(user_id, row.tier, row.rate_limit)


async def touch_key(session: AsyncSession, key_id: uuid.UUID, now: datetime) -> None:
    await session.execute(_TOUCH_KEY.execution_options(synchronize_session=False), {"key_id": key_id, "now": now})
