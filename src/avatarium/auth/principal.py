"""Who is calling: one Principal for API keys, user JWTs and conversation client tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from avatarium.auth import keys, repository
from avatarium.auth.repository import KeyRecord, UserRecord
from avatarium.auth.tokens import TokenSigner
from avatarium.cache.stamps import Stamps, user_key
from avatarium.cache.store import StampedCache
from avatarium.clock import utcnow

# lastUsedAt is written at most this often per key and instance, so that reads stay reads.
LAST_USED_RESOLUTION = timedelta(seconds=60)
CACHED_ACCOUNTS = 10_000

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


class Authenticator:
    """Resolves bearer tokens to principals, from memory while the account's stamp is unchanged.

    Revoking a key or changing a tier bumps the account's stamp (`user_key`), so the next
    request on any instance reads the database again. A key's owner never changes, so it is
    remembered from the first lookup: from then on the stamp can be read before the row.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], signer: TokenSigner, stamps: Stamps | None):
        self.sessions = sessions
        self.signer = signer
        self._owners: dict[str, uuid.UUID] = {}
        self._keys: StampedCache[KeyRecord] | None = None
        self._users: StampedCache[UserRecord] | None = None
        if stamps is not None:
            self._keys = StampedCache(stamps, CACHED_ACCOUNTS)
            self._users = StampedCache(stamps, CACHED_ACCOUNTS)

    async def resolve(self, token: str) -> Principal | None:
        """The principal a bearer token stands for (API key or user JWT), or None."""
        if keys.looks_like_key(token):
            return await self._from_key(token)
        user_id = self.signer.user_id(token)
        return await self._from_user(user_id, "jwt") if user_id else None

    async def resolve_client_token(self, token: str) -> Principal | None:
        claims = self.signer.client(token)
        return await self._from_user(claims[0], "client_token", claims[1]) if claims else None

    async def recheck(self, caller: Principal, token: str) -> Principal | None:
        """Whether the credential a long-lived connection was opened with still holds, as of now.

        An API key must not be revoked or expired and a user JWT not expired; a client token
        only authorises opening its socket, so for it the account must still exist.
        """
        if caller.kind == "client_token":
            return await self._from_user(str(caller.user_id), "client_token", str(caller.conversation_id))
        return await self.resolve(token)

    async def _from_key(self, token: str) -> Principal | None:
        if not keys.is_well_formed(token):
            return None
        digest = keys.hash_key(token)
        record = await self._keys.get(digest) if self._keys else None
        if record is None:
            record = await self._load_key(digest)
        if record is None or record.revoked:
            return None
        now = utcnow()
        if record.expires_at is not None and record.expires_at <= now:
            return None
        if record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION:
            record.last_used_at = now
            async with self.sessions.begin() as session:  # its own short transaction: reads stay reads
                await repository.touch_key(session, record.key_id, now)
        return Principal(record.user_id, record.tier, record.rate_limit, "api_key", key_mode=record.mode)

    async def _load_key(self, digest: str) -> KeyRecord | None:
        owner = self._owners.get(digest)
        stamp = await self._keys.stamp(user_key(owner)) if self._keys and owner else None
        async with self.sessions() as session:
            record = await repository.key_by_digest(session, digest)
        if record is None:
            return None
        if self._keys is not None:
            if stamp is not None and owner == record.user_id:
                self._keys.put(digest, user_key(owner), stamp, record)
            elif len(self._owners) < CACHED_ACCOUNTS:
                self._owners[digest] = record.user_id
        return record

    async def _from_user(self, user_id: str, kind: Kind, conversation_id: str | None = None) -> Principal | None:
        try:
            uid = uuid.UUID(user_id)
            cid = uuid.UUID(conversation_id) if conversation_id else None
        except ValueError:
            return None
        record = await self._users.get(str(uid)) if self._users else None
        if record is None:
            stamp = await self._users.stamp(user_key(uid)) if self._users else None
            async with self.sessions() as session:
                record = await repository.user_by_id(session, uid)
            if record is None:
                return None
            if self._users is not None and stamp is not None:
                self._users.put(str(uid), user_key(uid), stamp, record)
        return Principal(record.user_id, record.tier, record.rate_limit, kind, conversation_id=cid)
