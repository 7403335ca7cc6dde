"""Conversation rules: creation from presets, prompts with the whole history, storing turns."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from avatarium.auth.principal import Principal
from avatarium.avatars import service as avatars
from avatarium.avatars.service import AvatarChoice
from avatarium.cache.stamps import conversation_key
from avatarium.clock import utcnow
from avatarium.conversations import repository
from avatarium.conversations.schemas import CreateIn
from avatarium.db.changes import mark_changed
from avatarium.db.models import Conversation, Message
from avatarium.errors import ApiError, bad_request, not_found
from avatarium.presets.catalog import Catalog, Persona
from avatarium.providers.base import ChatMessage
from avatarium.providers.registry import DEFAULT_MODEL, Providers

DEFAULT_SYSTEM_PROMPT = (
    "You are {name}, a friendly assistant who talks with people through an animated avatar. "
    "Answer helpfully and honestly in one to three short sentences, because your words are spoken aloud."
)


@dataclass(frozen=True)
class Turn:
    message: Message
    reply: Message


def parse_id(conversation_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(conversation_id)
    except ValueError:
        raise not_found("Conversation") from None


def check_visible(caller: Principal, conversation_id: uuid.UUID, owner: uuid.UUID) -> None:
    """Another account's conversation is indistinguishable from a missing one."""
    if owner != caller.user_id or (caller.conversation_id is not None and caller.conversation_id != conversation_id):
        raise not_found("Conversation")


def _visible(caller: Principal, conversation: Conversation | None) -> Conversation:
    if conversation is None:
        raise not_found("Conversation")
    check_visible(caller, conversation.id, conversation.user_id)
    return conversation


async def get(session: AsyncSession, caller: Principal, conversation_id: str) -> Conversation:
    return _visible(caller, await repository.get_for(session, caller.user_id, parse_id(conversation_id)))


async def get_with_messages(
    session: AsyncSession, caller: Principal, conversation_id: str
) -> tuple[Conversation, list[Message]]:
    conversation, messages = await repository.get_with_messages(session, caller.user_id, parse_id(conversation_id))
    return _visible(caller, conversation), messages


def require_active(conversation: Conversation) -> None:
    if conversation.status != "active":
        raise ApiError(409, "This conversation has ended")


def _resolve(catalog: Catalog, providers: Providers, body: CreateIn, avatar: AvatarChoice | None) -> dict[str, Any]:
    if avatar is None:
        raise bad_request(f"Unknown avatarId '{body.avatar_id}'; see GET /v1/avatars", "avatarId", "unknown")
    persona_id = body.persona_id or avatar.default_persona_id
    persona = catalog.personas.get(persona_id) if persona_id else None
    if persona_id and persona is None:
        raise bad_request(f"Unknown personaId '{persona_id}'; see GET /v1/personas", "personaId", "unknown")
    # The voice belongs to the body: the avatar's, whatever persona it plays. An uploaded avatar may have
    # no default persona: the conversation then has none either.
    voice_id = body.voice_id or avatar.default_voice_id
    providers.check_voice(voice_id)
    model = providers.check_model(body.model or DEFAULT_MODEL)
    speaker = _speaker(catalog, persona) if persona else None
    prompt = _speak_as(persona.system_prompt, speaker, avatar.name) if persona else ""
    system_prompt = body.system_prompt or prompt
    return {
        "avatar_id": avatar.id,
        "persona_id": persona.id if persona else None,
        "voice_id": voice_id,
        "model": model,
        "system_prompt": system_prompt or DEFAULT_SYSTEM_PROMPT.format(name=avatar.name),
        "greeting": _speak_as(persona.greeting, speaker, avatar.name) if persona else "",
    }


def _speaker(catalog: Catalog, persona: Persona) -> str | None:
    """The first name a persona speaks as: its default avatar's, when the persona's name starts with it."""
    default = catalog.avatars.get(persona.default_avatar_id)
    if default is not None and re.match(rf"{re.escape(default.name)}\b", persona.name):
        return default.name
    return None


def _speak_as(text: str, speaker: str | None, avatar_name: str) -> str:
    """A persona put on another avatar speaks as that avatar: "I'm Kai", not its default avatar's name."""
    if not text or speaker is None or speaker == avatar_name:
        return text
    return re.sub(rf"\b{re.escape(speaker)}\b", avatar_name, text)


async def create(
    session: AsyncSession, catalog: Catalog, providers: Providers, caller: Principal, body: CreateIn
) -> tuple[Conversation, list[Message]]:
    avatar = await avatars.choose(session, catalog, caller.user_id, body.avatar_id)
    resolved = _resolve(catalog, providers, body, avatar)
    greeting = resolved.pop("greeting")
    now = utcnow()
    conversation = Conversation(
        id=uuid.uuid4(),
        user_id=caller.user_id,
        meta=dict(body.metadata),
        status="active",
        message_count=1 if greeting else 0,
        created_at=now,
        updated_at=now,
        **resolved,
    )
    messages = []
    if greeting:
        messages.append(
            Message(
                conversation_id=conversation.id,
                seq=0,
                role="assistant",
                content=greeting,
                interrupted=False,
                created_at=now,
            )
        )
    await repository.add(session, conversation, *messages)
    return conversation, messages


def prompt(conversation: Conversation, history: list[Message], content: str) -> list[ChatMessage]:
    """The system prompt, the whole history in order, then the new user message."""
    messages = [ChatMessage("system", conversation.system_prompt or DEFAULT_SYSTEM_PROMPT.format(name="Avatar"))]
    messages += [ChatMessage("user" if m.role == "user" else "assistant", m.content) for m in history if m.content]
    messages.append(ChatMessage("user", content))
    return messages


async def append(session: AsyncSession, conversation: Conversation, *messages: Message) -> None:
    """Store `messages` at the end of an active conversation, in order: the one way every turn is stored.

    Raises 409 if the conversation has ended (on any instance) in the meantime.
    """
    now = utcnow()
    first = await repository.reserve_seqs(session, conversation.id, len(messages), now)
    if first is None:
        raise ApiError(409, "This conversation has ended")
    set_committed_value(conversation, "message_count", first + len(messages))
    set_committed_value(conversation, "updated_at", now)
    for offset, message in enumerate(messages):
        message.seq = first + offset
    await repository.add(session, *messages)


async def store_turn(
    session: AsyncSession,
    conversation: Conversation,
    user: Message,
    reply_text: str,
    *,
    interrupted: bool = False,
) -> Turn:
    """Store the user message and the reply together, or neither (409 if the conversation ended meanwhile)."""
    reply = new_reply(conversation, reply_text, interrupted=interrupted)
    await append(session, conversation, user, reply)
    return Turn(user, reply)


async def add_user_message(
    session: AsyncSession, conversation: Conversation, content: str, source: str = "text"
) -> tuple[list[Message], Message]:
    """Store what the user said at once (a spoken turn is stored before its reply); the history before it too."""
    history = await repository.messages(session, conversation.id)
    user = new_user_message(conversation, content, source)
    await append(session, conversation, user)
    return history, user


def new_user_message(conversation: Conversation, content: str, source: str = "text") -> Message:
    """`source`: "text" when typed, "voice" when spoken and transcribed."""
    return Message(
        id=uuid.uuid4(),
        conversation_id=conversation.id,
        role="user",
        content=content,
        source=source,
        interrupted=False,
        created_at=utcnow(),
    )


def new_reply(
    conversation: Conversation,
    content: str,
    *,
    interrupted: bool = False,
    metrics: dict[str, Any] | None = None,
    reply_id: uuid.UUID | None = None,
) -> Message:
    return Message(
        id=reply_id or uuid.uuid4(),
        conversation_id=conversation.id,
        role="assistant",
        content=content,
        interrupted=interrupted,
        metrics=metrics,
        created_at=utcnow(),
    )


async def end(session: AsyncSession, caller: Principal, conversation_id: str) -> Conversation:
    """End once; ending again returns the same `endedAt`."""
    conversation = await get(session, caller, conversation_id)
    if conversation.status != "ended":
        now = utcnow()
        conversation.status = "ended"
        conversation.ended_at = now
        conversation.updated_at = now
        await session.flush()
        mark_changed(session, conversation_key(conversation.id))
    return conversation
