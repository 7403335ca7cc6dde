"""API key rules shared by the HTTP API and the command line."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.apikeys import repository
from avatarium.auth import keys
from avatarium.cache.stamps import user_key
from avatarium.db.changes import mark_changed
from avatarium.db.models import ApiKey
from avatarium.envelope import utcnow
from avatarium.errors import not_found


async def create(
    session: AsyncSession, user_id: uuid.UUID, name: str, mode: str, expires_at: datetime | None
) -> tuple[ApiKey, str]:
    """A new key and its secret, which is never stored and never shown again."""
    new = keys.generate(mode)
    key = ApiKey(
        user_id=user_id,
        name=name,
        mode=mode,
        prefix=new.prefix,
        last4=new.last4,
        key_hash=new.key_hash,
        expires_at=expires_at,
    )
    return await repository.add(session, key), new.secret


async def revoke(session: AsyncSession, user_id: uuid.UUID, key_id: str) -> ApiKey:
    """Revoke once; revoking again returns the same `revokedAt`."""
    try:
        parsed = uuid.UUID(key_id)
    except ValueError:
        raise not_found("API key") from None
    key = await repository.get_for(session, user_id, parsed)
    if key is None:
        raise not_found("API key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        mark_changed(session, user_key(user_id))
    return key
