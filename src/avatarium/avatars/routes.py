"""Avatars: the presets (contract section 4) and each account's own (section 8)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.auth.principal import Principal
from avatarium.avatars import repository, service
from avatarium.avatars.schemas import AvatarModelOut, AvatarOut, AvatarPatch, CustomAvatarOut, DeletedOut
from avatarium.avatars.upload import OPENAPI, read_upload
from avatarium.db.models import CustomAvatar
from avatarium.deps import ApiCaller, SessionDep, StateDep, public_caller, state_of
from avatarium.envelope import enveloped, public_base
from avatarium.errors import not_found
from avatarium.openapi import binary, errors
from avatarium.presets.catalog import Avatar, Catalog, Model3D
from avatarium.responses import ok, ok_serialized
from avatarium.routing import lean_get, parameters
from avatarium.state import AppState
from avatarium.storage.delivery import RESPONSES, StoredFile, respond
from avatarium.visemes import VISEMES

router = APIRouter(tags=["avatars"])
assets = APIRouter(tags=["avatars"])
_ASSET_CACHE = "public, max-age=86400"
PublicCaller = Annotated[Principal | None, Depends(public_caller)]


def _avatar(state: AppState, avatar_id: str) -> Avatar:
    avatar = state.catalog.avatars.get(avatar_id)
    if avatar is None:
        raise not_found(f"Avatar '{avatar_id}'")
    return avatar


def _base(request: Request, state: AppState) -> str:
    return public_base(state.settings.public_url, request.scope) + "/v1/avatars"


def avatar_out(avatar: Avatar, base: str) -> dict[str, object]:
    return AvatarOut(
        **avatar.__dict__,
        owner="preset",
        thumbnail_url=f"{base}/{avatar.id}/thumbnail.png",
        model_url=f"{base}/{avatar.id}/model.glb",
    ).wire()


def custom_out(avatar: CustomAvatar, base: str) -> dict[str, object]:
    files = f"{base}/{avatar.id}/{avatar.token}"
    return CustomAvatarOut(
        id=str(avatar.id),
        name=avatar.name,
        description=avatar.description,
        style=avatar.style,
        gender=avatar.gender,
        tags=avatar.tags,
        thumbnail_url=f"{files}/thumbnail.png",
        default_voice_id=avatar.default_voice_id,
        default_persona_id=avatar.default_persona_id,
        model_url=f"{files}/model.glb",
        created_at=avatar.created_at,
        owner="account",
        lipsync=avatar.lipsync,
    ).wire()


@lru_cache(maxsize=32)
def _full_listing(catalog: Catalog, base: str) -> bytes:
    """The unfiltered list, serialised once per base URL (the presets never change at run time)."""
    return json.dumps([avatar_out(a, base) for a in catalog.avatars.values()], separators=(",", ":")).encode()


def _listed(style: str | None, tag: str | None, avatar_style: str, tags: list[str]) -> bool:
    return (style is None or avatar_style == style) and (tag is None or tag in tags)


AnyAvatar = AvatarOut | CustomAvatarOut


@lean_get(
    router,
    "/avatars",
    caller=public_caller,
    summary="List the avatar presets, and with credentials the account's own avatars",
    response_model=enveloped(list[AnyAvatar]),
    openapi_extra=parameters(query={"style": "Only avatars of this style", "tag": "Only avatars with this tag"}),
)
async def list_avatars(request: Request) -> Response:
    caller = await public_caller(request)
    state = state_of(request)
    style = tag = None
    if request.scope["query_string"]:  # parsing an empty query string still costs a tenth of this request
        style, tag = request.query_params.get("style"), request.query_params.get("tag")
    base = _base(request, state)
    if caller is None and style is None and tag is None:
        return ok_serialized(request, _full_listing(state.catalog, base))
    avatars = [avatar_out(a, base) for a in state.catalog.avatars.values() if _listed(style, tag, a.style, a.tags)]
    if caller is not None:
        async with state.sessions() as session:
            own = await repository.list_for(session, caller.user_id)
        avatars += [custom_out(a, base) for a in own if _listed(style, tag, a.style, a.tags)]
    return ok(request, avatars)


async def _own(session: AsyncSession, caller: Principal | None, avatar_id: str) -> CustomAvatar:
    """The caller's own avatar; without credentials, or of another account, it does not exist."""
    parsed = service.parse_id(avatar_id)
    avatar = await repository.get_for(session, caller.user_id, parsed) if caller and parsed else None
    if avatar is None:
        raise not_found(f"Avatar '{avatar_id}'")
    return avatar


@router.get(
    "/avatars/{avatar_id}",
    summary="Get an avatar: a preset, or one of the account's own",
    response_model=enveloped(AnyAvatar),
    responses=errors(404),
)
async def get_avatar(
    request: Request, state: StateDep, session: SessionDep, caller: PublicCaller, avatar_id: str
) -> JSONResponse:
    preset = state.catalog.avatars.get(avatar_id)
    if preset is not None:
        return ok(request, avatar_out(preset, _base(request, state)))
    return ok(request, custom_out(await _own(session, caller, avatar_id), _base(request, state)))


@router.get(
    "/avatars/{avatar_id}/model",
    summary="Get avatar 3D model URL",
    response_model=enveloped(AvatarModelOut),
    responses=errors(404),
)
async def get_avatar_model(
    request: Request, state: StateDep, session: SessionDep, caller: PublicCaller, avatar_id: str
) -> JSONResponse:
    preset = state.catalog.avatars.get(avatar_id)
    if preset is not None:
        model = state.catalog.model(preset)
        out = AvatarModelOut(
            avatar_id=preset.id,
            url=f"{_base(request, state)}/{preset.id}/model.glb",
            size_bytes=len(model.data),
            sha256=model.sha256,
            morph_targets=list(VISEMES),
        )
        return ok(request, out.wire())
    avatar = await _own(session, caller, avatar_id)
    out = AvatarModelOut(
        avatar_id=str(avatar.id),
        url=f"{_base(request, state)}/{avatar.id}/{avatar.token}/model.glb",
        size_bytes=avatar.model_size,
        sha256=avatar.model_sha256,
        morph_targets=avatar.morph_targets,
    )
    return ok(request, out.wire())


@router.post(
    "/avatars",
    status_code=201,
    summary="Upload your own avatar (GLB or VRM); its 15 viseme morph targets are baked if missing",
    openapi_extra=OPENAPI,
    response_model=enveloped(CustomAvatarOut),
)
async def upload_avatar(request: Request, state: StateDep, session: SessionDep, caller: ApiCaller) -> JSONResponse:
    async with read_upload(request) as upload:
        avatar = await service.create(session, state, caller.user_id, upload.fields, upload.model)
    return ok(request, custom_out(avatar, _base(request, state)), status=201)


@router.patch(
    "/avatars/{avatar_id}",
    summary="Change your avatar's name, description, tags or defaults",
    response_model=enveloped(CustomAvatarOut),
    responses=errors(403, 404),
)
async def update_avatar(
    request: Request, state: StateDep, session: SessionDep, caller: ApiCaller, avatar_id: str, body: AvatarPatch
) -> JSONResponse:
    avatar = await service.update(session, state, caller.user_id, avatar_id, body)
    return ok(request, custom_out(avatar, _base(request, state)))


@router.delete(
    "/avatars/{avatar_id}",
    summary="Delete your avatar and its files",
    response_model=enveloped(DeletedOut),
    responses=errors(403, 404),
)
async def delete_avatar(
    request: Request, state: StateDep, session: SessionDep, caller: ApiCaller, avatar_id: str, after: BackgroundTasks
) -> JSONResponse:
    avatar = await service.delete(session, state.catalog, caller.user_id, avatar_id)
    after.add_task(service.forget_files, state.storage, avatar)  # once the deletion is committed
    return ok(request, {"id": str(avatar.id), "deleted": True})


# Asset downloads are static and cacheable, like files on a CDN: they are not rate limited.
@assets.head("/avatars/{avatar_id}/model.glb", include_in_schema=False)
@assets.get(
    "/avatars/{avatar_id}/model.glb",
    summary="Download the avatar's glTF binary",
    response_class=Response,
    responses={200: binary("model/gltf-binary"), **RESPONSES, **errors(404)},
)
async def download_model(request: Request, state: StateDep, avatar_id: str) -> Response:
    return await _preset_file(request, state.catalog.model(_avatar(state, avatar_id)), "model/gltf-binary")


@assets.get(
    "/avatars/{avatar_id}/thumbnail.png",
    summary="Download the avatar's thumbnail",
    response_class=Response,
    responses={200: binary("image/png"), **RESPONSES, **errors(404)},
)
async def download_thumbnail(request: Request, state: StateDep, avatar_id: str) -> Response:
    return await _preset_file(request, state.catalog.thumbnail(_avatar(state, avatar_id)), "image/png")


async def _preset_file(request: Request, asset: Model3D, media_type: str) -> Response:
    """A preset's file, kept in memory, with the same conditional and range handling as stored files."""

    async def body(start: int, end: int) -> AsyncIterator[bytes]:
        yield asset.data[start:end]

    return await respond(request, StoredFile(len(asset.data), asset.etag, media_type, _ASSET_CACHE), body)
