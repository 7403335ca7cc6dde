from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.db.models import ApiKey, Conversation, IdempotencyRecord, User


@dataclass(frozen=True)
class Holdings:
    """What an account owns, as counts (what deleting it would remove)."""

    keys: int
    active_keys: int
    conversations: int


async def by_email(session: AsyncSession, email: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.email == email))
    return user


async def by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def every(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.email)))


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def holdings(session: AsyncSession, user_id: uuid.UUID) -> Holdings:
    keys = (
        await session.execute(
            select(func.count(), func.count().filter(ApiKey.revoked_at.is_(None))).where(ApiKey.user_id == user_id)
        )
    ).one()
    conversations = await session.scalar(select(func.count()).where(Conversation.user_id == user_id))
    return Holdings(keys[0], keys[1], conversations or 0)


async def conversation_ids(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    return list(await session.scalars(select(Conversation.id).where(Conversation.user_id == user_id)))


async def remove(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete the account; its keys, conversations and messages go with it (ON DELETE CASCADE)."""
    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.account_id == user_id))
    await session.execute(delete(User).where(User.id == user_id))
