from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.cache.stamps import conversation_key
from avatarium.db.changes import mark_changed
from avatarium.db.models import Conversation, Message
from avatarium.pagination import Cursor


async def get_for(session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation | None:
    conversation: Conversation | None = await session.scalar(
        select(Conversation).where(Conversation.id == conversation_id, Conversation.user_id == user_id)
    )
    return conversation


async def get_with_messages(
    session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID
) -> tuple[Conversation | None, list[Message]]:
    """The account's conversation and its messages in order, in one round trip."""
    rows = (
        await session.execute(
            select(Conversation, Message)
            .outerjoin(Message, Message.conversation_id == Conversation.id)
            .where(Conversation.id == conversation_id, Conversation.user_id == user_id)
            .order_by(Message.seq)
        )
    ).all()
    if not rows:
        return None, []
    return rows[0][0], [message for _, message in rows if message is not None]


async def messages(session: AsyncSession, conversation_id: uuid.UUID) -> list[Message]:
    rows = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
    )
    return list(rows)


async def page_for(session: AsyncSession, user_id: uuid.UUID, limit: int, cursor: Cursor | None) -> list[Conversation]:
    query = select(Conversation).where(Conversation.user_id == user_id)
    if cursor is not None:
        query = query.where(
            or_(
                Conversation.created_at < cursor.created_at,
                and_(Conversation.created_at == cursor.created_at, Conversation.id < cursor.id),
            )
        )
    query = query.order_by(Conversation.created_at.desc(), Conversation.id.desc()).limit(limit + 1)
    return list(await session.scalars(query))


async def reserve_seqs(session: AsyncSession, conversation_id: uuid.UUID, count: int, now: datetime) -> int | None:
    """Atomically claim `count` message positions in an active conversation; the first one, or None if ended."""
    mark_changed(session, conversation_key(conversation_id))
    new_count = await session.scalar(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == "active")
        .values(message_count=Conversation.message_count + count, updated_at=now)
        .returning(Conversation.message_count)
        .execution_options(synchronize_session=False)
    )
    return None if new_count is None else int(new_count) - count


async def add(session: AsyncSession, *items: Conversation | Message) -> None:
    session.add_all(items)
    await session.flush()
