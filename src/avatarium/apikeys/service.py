"""API key rules shared by the HTTP API and the command line."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.apikeys import repository
from avatarium.auth import keys
from avatarium.cache.stamps import user_key
from avatarium.clock import utcnow
from avatarium.db.changes import mark_changed
from avatarium.db.models import ApiKey
from avatarium.errors import bad_request, not_found

MAX_NAME = 100
MODES = ("live", "test")


def check_key(name: str, mode: str) -> None:
    if not 1 <= len(name) <= MAX_NAME:
        raise bad_request(f"name must have 1 to {MAX_NAME} characters", "name", "invalid")
    if mode not in MODES:
        raise bad_request(f"mode must be one of: {', '.join(MODES)}", "mode", "invalid_value")


async def create(
    session: AsyncSession, user_id: uuid.UUID, name: str, mode: str, expires_at: datetime | None
) -> tuple[ApiKey, str]:
    """A new key and its secret, which is never stored and never shown again."""
    check_key(name, mode)
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


async def find(session: AsyncSession, reference: str) -> ApiKey:
    """A key of any account, by its id or by its secret (an operator holding a leaked key)."""
    reference = reference.strip()
    key: ApiKey | None
    if keys.looks_like_key(reference):
        key = await repository.by_digest(session, keys.hash_key(reference))
    else:
        try:
            key = await repository.by_id(session, uuid.UUID(reference))
        except ValueError:
            key = None
    if key is None:
        raise not_found("API key")
    return key
