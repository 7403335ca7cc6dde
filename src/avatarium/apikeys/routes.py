from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from avatarium.apikeys import repository, service
from avatarium.apikeys.schemas import KeyCreatedOut, KeyIn, KeyOut, key_out
from avatarium.deps import JwtCaller, SessionDep
from avatarium.envelope import enveloped
from avatarium.openapi import errors
from avatarium.responses import NO_STORE, ok

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.get("", summary="List your API keys", response_model=enveloped(list[KeyOut]))
async def list_keys(request: Request, session: SessionDep, caller: JwtCaller) -> JSONResponse:
    return ok(request, [key_out(k) for k in await repository.list_for(session, caller.user_id)])


@router.post("", status_code=201, summary="Create a new API key", response_model=enveloped(KeyCreatedOut))
async def create_key(request: Request, session: SessionDep, caller: JwtCaller, body: KeyIn) -> JSONResponse:
    key, secret = await service.create(session, caller.user_id, body.name, body.mode, body.expires_at)
    return ok(request, {**key_out(key), "key": secret}, status=201, headers=NO_STORE)


@router.delete("/{key_id}", summary="Revoke an API key", response_model=enveloped(KeyOut), responses=errors(404))
async def revoke_key(request: Request, session: SessionDep, caller: JwtCaller, key_id: str) -> JSONResponse:
    return ok(request, key_out(await service.revoke(session, caller.user_id, key_id)))
