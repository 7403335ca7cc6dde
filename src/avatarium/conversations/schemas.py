from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from avatarium.db.models import Conversation, Message
from avatarium.envelope import Timestamp, WireIn, WireModel
from avatarium.tts.schemas import SpeechOut

MAX_METADATA_KEYS = 16
MetadataValue = str | int | float | bool | None


class CreateIn(WireIn):
    avatar_id: str = Field(max_length=64)
    persona_id: str | None = Field(default=None, max_length=64)
    voice_id: str | None = Field(default=None, max_length=128)
    model: str | None = Field(default=None, max_length=128)
    system_prompt: str | None = Field(default=None, min_length=1, max_length=8000)
    metadata: dict[str, MetadataValue] = Field(default_factory=dict)

    @field_validator("metadata")
    @classmethod
    def _flat(cls, value: dict[str, MetadataValue]) -> dict[str, MetadataValue]:
        if len(value) > MAX_METADATA_KEYS:
            raise ValueError(f"must have at most {MAX_METADATA_KEYS} keys")
        for key, item in value.items():
            if not key or len(key) > 40:
                raise ValueError("keys must have 1 to 40 characters")
            if isinstance(item, str) and len(item) > 500:
                raise ValueError("string values must have at most 500 characters")
        return value


class MessageIn(WireIn):
    content: str = Field(min_length=1, max_length=4000)
    audio: bool = False
    stream: bool = False


class MessageOut(WireModel):
    id: str
    conversation_id: str
    role: Literal["user", "assistant"]
    content: str
    created_at: Timestamp
    interrupted: bool
    source: Literal["text", "voice"] | None = Field(default=None, description="User messages: typed or spoken")
    metrics: dict[str, Any] | None = Field(
        default=None, description="Replies over the socket: `ttftMs` and `ttfaMs`, times to first text and audio"
    )


class ReplyOut(MessageOut):
    audio: SpeechOut | None = Field(default=None, description="With `audio: true`: the reply spoken")


class TurnOut(WireModel):
    message: MessageOut
    reply: ReplyOut


class ConversationOut(WireModel):
    id: str
    avatar_id: str
    persona_id: str | None
    voice_id: str
    model: str
    status: Literal["active", "ended"]
    metadata: dict[str, Any]
    message_count: int
    created_at: Timestamp
    updated_at: Timestamp
    ended_at: Timestamp | None


class ConversationWithMessagesOut(ConversationOut):
    messages: list[MessageOut]


class SocketAccessOut(WireModel):
    ws_url: str = Field(description="The realtime socket of this conversation")
    client_token: str = Field(description="Opens this conversation's socket only, as `?token=`, for 15 minutes")
    client_token_expires_at: str


class ConversationCreatedOut(ConversationWithMessagesOut, SocketAccessOut):
    pass


class ClientTokenOut(SocketAccessOut):
    conversation_id: str


def message_out(message: Message) -> dict[str, Any]:
    fields: dict[str, Any] = {"source": message.source} if message.source else {}
    if message.metrics:
        fields["metrics"] = message.metrics
    out = MessageOut(
        id=str(message.id),
        conversation_id=str(message.conversation_id),
        role=message.role,
        content=message.content,
        created_at=message.created_at,
        interrupted=message.interrupted,
        **fields,
    )
    return out.model_dump(mode="json", by_alias=True, exclude_unset=True)  # `source` and `metrics` only when set


def conversation_out(conversation: Conversation) -> dict[str, Any]:
    return ConversationOut(
        id=str(conversation.id),
        avatar_id=conversation.avatar_id,
        persona_id=conversation.persona_id,
        voice_id=conversation.voice_id,
        model=conversation.model,
        status=conversation.status,
        metadata=conversation.meta,
        message_count=conversation.message_count,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        ended_at=conversation.ended_at,
    ).wire()
