from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from avatarium.envelope import Timestamp, WireIn, WireModel

MAX_TAGS = 20


class AvatarOut(WireModel):
    id: str
    name: str
    description: str
    style: str
    gender: str
    tags: list[str]
    thumbnail_url: str
    default_voice_id: str
    default_persona_id: str | None
    model_url: str
    created_at: Timestamp
    owner: Literal["preset", "account"]


class LipsyncOut(WireModel):
    source: Literal["oculus", "arkit", "vrm"]
    visemes: list[str]
    missing: list[str]
    expressions: list[str]


class CustomAvatarOut(AvatarOut):
    lipsync: LipsyncOut


class DeletedOut(WireModel):
    id: str
    deleted: bool


class AvatarModelOut(WireModel):
    avatar_id: str
    url: str
    format: str = "glb"
    content_type: str = "model/gltf-binary"
    size_bytes: int
    sha256: str
    morph_targets: list[str]


def _tags(value: object) -> object:
    """Tags arrive comma-separated in a form, as an array in JSON: trimmed, empty ones dropped, each once."""
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return list(dict.fromkeys(tag.strip() for tag in value if tag.strip()))
    return value


Tags = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=40)]],
    BeforeValidator(_tags),
    Field(max_length=MAX_TAGS),
]


class AvatarIn(WireIn):
    """The text fields of `POST /v1/avatars` (multipart/form-data)."""

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=1000)
    style: str = Field(default="custom", min_length=1, max_length=40)
    gender: str = Field(default="unspecified", min_length=1, max_length=40)
    tags: Tags = Field(default_factory=list)
    default_voice_id: str | None = None
    default_persona_id: str | None = None


class AvatarPatch(WireIn):
    """`PATCH /v1/avatars/:id`: the fields given are changed; `defaultPersonaId: null` removes the default."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    style: str | None = Field(default=None, min_length=1, max_length=40)
    gender: str | None = Field(default=None, min_length=1, max_length=40)
    tags: Tags | None = None
    default_voice_id: str | None = None
    default_persona_id: str | None = None
