from __future__ import annotations

from avatarium.envelope import Timestamp, WireModel


class AvatarOut(WireModel):
    id: str
    name: str
    description: str
    style: str
    gender: str
    tags: list[str]
    thumbnail_url: str
    default_voice_id: str
    default_persona_id: str
    model_url: str
    created_at: Timestamp


class AvatarModelOut(WireModel):
    avatar_id: str
    url: str
    format: str = "glb"
    content_type: str = "model/gltf-binary"
    size_bytes: int
    sha256: str
    morph_targets: list[str]
