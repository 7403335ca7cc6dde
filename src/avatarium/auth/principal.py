"""Who is calling: one Principal for API keys, user JWTs and conversation client tokens."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def from_api_key(session: AsyncSession, token: str) -> Principal | None:
    if not keys.is_well_formed(token):
        return None
    digest = keys.hash_key(token)
    row = (
        await session.execute(
            select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.key_hash == digest)
        )
    ).first()
    if row is None:
        return None
    key, user = row
    now = utcnow()
    if not hmac.compare_digest(key.key_hash, digest) or key.revoked_at is not None:
        return None
    if key.expires_at is not None and key.expires_at <= now:
        return None
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
    return Principal(user.id, user.tier, user.rate_limit, "api_key", key_mode=key.mode)


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
