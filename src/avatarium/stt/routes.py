from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from avatarium.deps import StateDep, public_caller
from avatarium.responses import ok

router = APIRouter(prefix="/stt", tags=["stt"])


@router.get("/models", summary="List speech-to-text models", dependencies=[Depends(public_caller)])
async def list_models(request: Request, state: StateDep) -> JSONResponse:
    return ok(
        request,
        [
            {"id": m.id, "provider": m.provider, "name": m.name, "languages": m.languages, "available": m.available}
            for m in state.providers.stt_models()
        ],
    )
