"""The files of the accounts' own avatars, at URLs with a random part (a browser's GLTFLoader sends no headers).

Like the preset downloads, they are static and cacheable and not rate limited. Every instance
reads them from the shared storage.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response

from avatarium.avatars import files, repository, service
from avatarium.deps import SessionDep, StateDep
from avatarium.errors import not_found
from avatarium.openapi import binary, errors
from avatarium.storage.base import StorageError
from avatarium.storage.delivery import RESPONSES, respond

router = APIRouter(tags=["avatars"])


async def _serve(
    request: Request, state: StateDep, session: SessionDep, avatar_id: str, token: str, name: str
) -> Response:
    parsed = service.parse_id(avatar_id)
    avatar = await repository.get(session, parsed) if parsed else None
    if avatar is None or not secrets.compare_digest(avatar.token.encode(), token.encode()):
        raise not_found("File")
    key = files.key(avatar, name)
    try:
        return await respond(
            request, files.stored(avatar, name), lambda start, end: state.storage.read(key, start, end)
        )
    except StorageError as exc:
        raise service.storage_unavailable(exc) from None


@router.head("/avatars/{avatar_id}/{token}/model.glb", include_in_schema=False)
@router.get(
    "/avatars/{avatar_id}/{token}/model.glb",
    summary="Download an uploaded avatar's glTF binary, with its baked visemes",
    response_class=Response,
    responses={200: binary("model/gltf-binary"), **RESPONSES, **errors(404)},
)
async def download_model(
    request: Request, state: StateDep, session: SessionDep, avatar_id: str, token: str
) -> Response:
    return await _serve(request, state, session, avatar_id, token, files.MODEL)


@router.head("/avatars/{avatar_id}/{token}/thumbnail.png", include_in_schema=False)
@router.get(
    "/avatars/{avatar_id}/{token}/thumbnail.png",
    summary="Download an uploaded avatar's thumbnail",
    response_class=Response,
    responses={200: binary("image/png"), **RESPONSES, **errors(404)},
)
async def download_thumbnail(
    request: Request, state: StateDep, session: SessionDep, avatar_id: str, token: str
) -> Response:
    return await _serve(request, state, session, avatar_id, token, files.THUMBNAIL)
