from __future__ import annotations

import json
from functools import lru_cache

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from avatarium.avatars.schemas import AvatarModelOut, AvatarOut
from avatarium.deps import StateDep, public_caller, state_of
from avatarium.envelope import public_base
from avatarium.errors import not_found
from avatarium.http_cache import etag_matches
from avatarium.presets.catalog import Avatar, Catalog, Model3D
from avatarium.responses import ok, ok_serialized
from avatarium.routing import lean_get, parameters
from avatarium.state import AppState
from avatarium.visemes import VISEMES

router = APIRouter(tags=["avatars"])
assets = APIRouter(tags=["avatars"])
_ASSET_CACHE = "public, max-age=86400"


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
        thumbnail_url=f"{base}/{avatar.id}/thumbnail.png",
        model_url=f"{base}/{avatar.id}/model.glb",
    ).wire()


@lru_cache(maxsize=32)
def _full_listing(catalog: Catalog, base: str) -> bytes:
    """The unfiltered list, serialised once per base URL (the presets never change at run time)."""
    return json.dumps([avatar_out(a, base) for a in catalog.avatars.values()], separators=(",", ":")).encode()


@lean_get(
    router,
    "/avatars",
    summary="List available avatar presets",
    openapi_extra=parameters(query={"style": "Only avatars of this style", "tag": "Only avatars with this tag"}),
)
async def list_avatars(request: Request) -> Response:
    await public_caller(request)
    state = state_of(request)
    style = tag = None
    if request.scope["query_string"]:  # parsing an empty query string still costs a tenth of this request
        style, tag = request.query_params.get("style"), request.query_params.get("tag")
    base = _base(request, state)
    if style is None and tag is None:
        return ok_serialized(request, _full_listing(state.catalog, base))
    avatars = [
        avatar_out(a, base)
        for a in state.catalog.avatars.values()
        if (style is None or a.style == style) and (tag is None or tag in a.tags)
    ]
    return ok(request, avatars)


@router.get("/avatars/{avatar_id}", summary="Get avatar preset details", dependencies=[Depends(public_caller)])
async def get_avatar(request: Request, state: StateDep, avatar_id: str) -> JSONResponse:
    return ok(request, avatar_out(_avatar(state, avatar_id), _base(request, state)))


@router.get("/avatars/{avatar_id}/model", summary="Get avatar 3D model URL", dependencies=[Depends(public_caller)])
async def get_avatar_model(request: Request, state: StateDep, avatar_id: str) -> JSONResponse:
    avatar = _avatar(state, avatar_id)
    model = state.catalog.model(avatar)
    out = AvatarModelOut(
        avatar_id=avatar.id,
        url=f"{_base(request, state)}/{avatar.id}/model.glb",
        size_bytes=len(model.data),
        sha256=model.sha256,
        morph_targets=list(VISEMES),
    )
    return ok(request, out.wire())


# Asset downloads are static and cacheable, like files on a CDN: they are not rate limited.
@assets.get("/avatars/{avatar_id}/model.glb", summary="Download the avatar's glTF binary", response_class=Response)
async def download_model(request: Request, state: StateDep, avatar_id: str) -> Response:
    return _file(request, state.catalog.model(_avatar(state, avatar_id)), "model/gltf-binary")


@assets.get("/avatars/{avatar_id}/thumbnail.png", summary="Download the avatar's thumbnail", response_class=Response)
async def download_thumbnail(request: Request, state: StateDep, avatar_id: str) -> Response:
    return _file(request, state.catalog.thumbnail(_avatar(state, avatar_id)), "image/png")


def _file(request: Request, asset: Model3D, media_type: str) -> Response:
    headers = {"ETag": asset.etag, "Cache-Control": _ASSET_CACHE}
    if etag_matches(request.headers.get("if-none-match"), asset.etag):
        return Response(status_code=304, headers=headers)
    return Response(asset.data, media_type=media_type, headers=headers)
