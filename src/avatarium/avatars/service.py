"""Rules for the accounts' own avatars: upload (validated and baked off the event loop), edit, delete."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import uuid
from dataclasses import asdict, dataclass
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.avatars import files, repository
from avatarium.avatars.rig.preparation import PreparedModel, prepare
from avatarium.avatars.schemas import AvatarIn, AvatarPatch
from avatarium.clock import utcnow
from avatarium.db.models import CustomAvatar
from avatarium.errors import ApiError, bad_request, not_found
from avatarium.gltf.container import GltfError
from avatarium.presets.catalog import Catalog
from avatarium.providers.registry import DEFAULT_VOICE
from avatarium.state import AppState
from avatarium.storage.base import Storage, StorageError

log = logging.getLogger("avatarium.avatars")


@dataclass(frozen=True)
class AvatarChoice:
    """What a conversation takes from its avatar, preset or uploaded."""

    id: str
    name: str
    default_voice_id: str
    default_persona_id: str | None


def storage_unavailable(exc: StorageError) -> ApiError:
    log.warning("storage failed: %s", exc)
    return ApiError(503, "File storage is unavailable; try again shortly")


def parse_id(avatar_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(avatar_id)
    except ValueError:
        return None


async def find_own(session: AsyncSession, catalog: Catalog, user_id: uuid.UUID, avatar_id: str) -> CustomAvatar:
    """The account's avatar; a preset is read-only (403); anything else, another account's included, is 404."""
    if avatar_id in catalog.avatars:
        raise ApiError(403, f"Avatar '{avatar_id}' is a preset and cannot be changed; upload your own instead")
    parsed = parse_id(avatar_id)
    avatar = await repository.get_for(session, user_id, parsed) if parsed else None
    if avatar is None:
        raise not_found(f"Avatar '{avatar_id}'")
    return avatar


async def choose(session: AsyncSession, catalog: Catalog, user_id: uuid.UUID, avatar_id: str) -> AvatarChoice | None:
    """A preset, or one of the account's own avatars; None for any other id.

    Another account's avatar is unknown here exactly as an id nobody has (the contract's 400
    for an unknown avatar, with the same message), so the answer reveals nothing.
    """
    preset = catalog.avatars.get(avatar_id)
    if preset is not None:
        return AvatarChoice(preset.id, preset.name, preset.default_voice_id, preset.default_persona_id)
    parsed = parse_id(avatar_id)
    if parsed is None:
        return None
    own = await repository.get_for(session, user_id, parsed)
    if own is None:
        return None
    return AvatarChoice(str(own.id), own.name, own.default_voice_id, own.default_persona_id)


def _check_defaults(state: AppState, voice_id: str | None, persona_id: str | None) -> None:
    if voice_id is not None:
        state.providers.check_voice(voice_id, "defaultVoiceId")
    if persona_id is not None and persona_id not in state.catalog.personas:
        raise bad_request(
            f"Unknown defaultPersonaId '{persona_id}'; see GET /v1/personas", "defaultPersonaId", "unknown"
        )


def _prepare(upload: IO[bytes]) -> PreparedModel:
    upload.seek(0)
    return prepare(upload.read())


async def create(
    session: AsyncSession, state: AppState, user_id: uuid.UUID, fields: AvatarIn, upload: IO[bytes]
) -> CustomAvatar:
    """Check the file and bake its visemes in a worker thread, store its files, then record it."""
    _check_defaults(state, fields.default_voice_id, fields.default_persona_id)
    try:
        async with state.preparing:
            prepared = await asyncio.to_thread(_prepare, upload)
    except GltfError as exc:
        raise bad_request(str(exc), "model") from None
    now = utcnow()
    avatar = CustomAvatar(
        id=uuid.uuid4(),
        user_id=user_id,
        token=secrets.token_urlsafe(24),
        model_size=len(prepared.glb),
        model_sha256=hashlib.sha256(prepared.glb).hexdigest(),
        thumbnail_size=len(prepared.thumbnail),
        thumbnail_sha256=hashlib.sha256(prepared.thumbnail).hexdigest(),
        morph_targets=prepared.morph_targets,
        lipsync=asdict(prepared.lipsync),
        created_at=now,
        updated_at=now,
        **fields.model_dump(exclude={"default_voice_id"}),
        default_voice_id=fields.default_voice_id or DEFAULT_VOICE,
    )
    await _store(state.storage, avatar, prepared)
    try:
        await repository.add(session, avatar)
    except BaseException:
        await _forget(state.storage, *files.keys(avatar))
        raise
    return avatar


async def _store(storage: Storage, avatar: CustomAvatar, prepared: PreparedModel) -> None:
    model_key, thumbnail_key = files.keys(avatar)
    try:
        await storage.put(model_key, prepared.glb, files.GLB_TYPE)
        await storage.put(thumbnail_key, prepared.thumbnail, "image/png")
    except StorageError as exc:
        await _forget(storage, model_key, thumbnail_key)
        raise storage_unavailable(exc) from None


async def _forget(storage: Storage, *keys: str) -> None:
    try:
        await storage.delete(*keys)
    except StorageError as exc:
        log.warning("could not remove stored files %s: %s", keys, exc)


async def update(
    session: AsyncSession, state: AppState, user_id: uuid.UUID, avatar_id: str, patch: AvatarPatch
) -> CustomAvatar:
    avatar = await find_own(session, state.catalog, user_id, avatar_id)
    given = patch.model_dump(include=patch.model_fields_set)
    for field in ("name", "style", "gender", "description", "tags"):
        if field in given and given[field] is None:
            alias = AvatarPatch.model_fields[field].alias or field
            raise bad_request(f"{alias} must not be null", alias, "invalid")
    _check_defaults(state, given.get("default_voice_id"), given.get("default_persona_id"))
    if "default_voice_id" in given and given["default_voice_id"] is None:
        given["default_voice_id"] = DEFAULT_VOICE
    for field, value in given.items():
        setattr(avatar, field, value)
    avatar.updated_at = utcnow()
    await session.flush()
    return avatar


async def delete(session: AsyncSession, catalog: Catalog, user_id: uuid.UUID, avatar_id: str) -> CustomAvatar:
    """Remove the record; the caller removes the files once that is committed (`forget_files`)."""
    avatar = await find_own(session, catalog, user_id, avatar_id)
    await repository.remove(session, avatar)
    return avatar


async def forget_files(storage: Storage, avatar: CustomAvatar) -> None:
    await _forget(storage, *files.keys(avatar))
