"""Who is calling: one Principal for API keys, user JWTs and conversation client tokens."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from avatarium.auth import keys
from avatarium.auth.tokens import TokenSigner
from avatarium.db.models import ApiKey, User
from avatarium.envelope import utcnow

# lastUsedAt is written at most this often per key, so that reads stay reads.
LAST_USED_RESOLUTION = timedelta(seconds=60)

Kind = Literal["api_key", "jwt", "client_token"]


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    tier: str
    rate_limit: int | None
    kind: Kind
    key_mode: str | None = None
    conversation_id: uuid.UUID | None = None
    key_id: uuid.UUID | None = None
    key_needs_touch: bool = False  # lastUsedAt is older than LAST_USED_RESOLUTION

    @property
    def local_only(self) -> bool:
        """`av_test_` keys never reach a paid provider."""
        return self.key_mode == "test"


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


# Every authenticated request runs this: built once, and read as plain rows rather than ORM objects.
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
_TOUCH_KEY = update(ApiKey).where(ApiKey.id == bindparam("key_id")).values(last_used_at=bindparam("now"))


async def from_api_key(session: AsyncSession, token: str) -> Principal | None:
    if not keys.is_well_formed(token):
        return None
    digest = keys.hash_key(token)
    row = (await session.execute(_KEY_LOOKUP, {"digest": digest})).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest) or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.expires_at is not None and row.expires_at <= now:
        return None
    stale = row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION
    return Principal(
        row.user_id, row.tier, row.rate_limit, "api_key", key_mode=row.mode, key_id=row.id, key_needs_touch=stale
    )


async def touch_key(sessions: async_sessionmaker[AsyncSession], caller: Principal) -> None:
    """Record lastUsedAt in a short transaction of its own, so the request never holds a write lock for it."""
    if caller.key_id is None or not caller.key_needs_touch:
        return
    async with sessions.begin() as session:
        await session.execute(
            _TOUCH_KEY.execution_options(synchronize_session=False), {"key_id": caller.key_id, "now": utcnow()}
        )


async def from_user_id(
    session: AsyncSession, user_id: str, kind: Kind, conversation_id: str | None = None
) -> Principal | None:
    try:
        uid = uuid.UUID(user_id)
        cid = uuid.UUID(conversation_id) if conversation_id else None
    except ValueError:
        return None
    user = await session.get(User, uid)
    if user is None:
        return None
    return Principal(user.id, user.tier, user.rate_limit, kind, conversation_id=cid)


async def resolve(session: AsyncSession, signer: TokenSigner, token: str) -> Principal | None:
    """The principal a bearer token stands for (API key or user JWT), or None."""
    if keys.looks_like_key(token):
        return await from_api_key(session, token)
    user_id = signer.user_id(token)
    return await from_user_id(session, user_id, "jwt") if user_id else None


async def resolve_client_token(session: AsyncSession, signer: TokenSigner, token: str) -> Principal | None:
    claims = signer.client(token)
    return await from_user_id(session, claims[0], "client_token", claims[1]) if claims else None
