"""Queries on the accounts' own avatars."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.db.models import CustomAvatar


async def list_for(session: AsyncSession, user_id: uuid.UUID) -> list[CustomAvatar]:
    """An account's avatars, newest first."""
    rows = await session.scalars(
        select(CustomAvatar)
        .where(CustomAvatar.user_id == user_id)
        .order_by(CustomAvatar.created_at.desc(), CustomAvatar.id.desc())
    )
    return list(rows)


async def get(session: AsyncSession, avatar_id: uuid.UUID) -> CustomAvatar | None:
    return await session.get(CustomAvatar, avatar_id)


async def get_for(session: AsyncSession, user_id: uuid.UUID, avatar_id: uuid.UUID) -> CustomAvatar | None:
    avatar: CustomAvatar | None = await session.scalar(
        select(CustomAvatar).where(CustomAvatar.id == avatar_id, CustomAvatar.user_id == user_id)
    )
    return avatar


async def add(session: AsyncSession, avatar: CustomAvatar) -> None:
    session.add(avatar)
    await session.flush()


async def remove(session: AsyncSession, avatar: CustomAvatar) -> None:
    await session.delete(avatar)
    await session.flush()
