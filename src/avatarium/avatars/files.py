"""Where an uploaded avatar's files live in the storage, and how they are described over HTTP."""

from __future__ import annotations

from avatarium.db.models import CustomAvatar
from avatarium.storage.delivery import StoredFile

MODEL = "model.glb"
THUMBNAIL = "thumbnail.png"
GLB_TYPE = "model/gltf-binary"
# The URL changes with the file (its token is new on every upload), so caches may keep it a day.
CACHE_CONTROL = "public, max-age=86400"


def key(avatar: CustomAvatar, name: str) -> str:
    return f"avatars/{avatar.id}/{avatar.token}/{name}"


def keys(avatar: CustomAvatar) -> tuple[str, str]:
    return key(avatar, MODEL), key(avatar, THUMBNAIL)


def etag(sha256: str) -> str:
    return f'"{sha256[:32]}"'


def stored(avatar: CustomAvatar, name: str) -> StoredFile:
    if name == MODEL:
        return StoredFile(avatar.model_size, etag(avatar.model_sha256), GLB_TYPE, CACHE_CONTROL)
    return StoredFile(avatar.thumbnail_size, etag(avatar.thumbnail_sha256), "image/png", CACHE_CONTROL)
