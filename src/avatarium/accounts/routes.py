from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from avatarium.accounts import repository, service
from avatarium.accounts.schemas import Credentials, SessionOut, UserOut, user_out
from avatarium.db.models import User
from avatarium.deps import JwtCaller, SessionDep, StateDep, public_caller
from avatarium.envelope import enveloped, iso
from avatarium.errors import ApiError, unauthorized
from avatarium.openapi import errors
from avatarium.responses import NO_STORE, ok
from avatarium.state import AppState

router = APIRouter(prefix="/auth", tags=["auth"])


def _session_payload(state: AppState, user: User) -> dict[str, object]:
    issued = state.signer.issue_user(str(user.id))
    return {
        "user": user_out(user, state.settings.enterprise_rate_limit),
        "token": issued.token,
        "expiresAt": iso(issued.expires_at),
    }


@router.post(
    "/register",
    status_code=201,
    summary="Create an account",
    dependencies=[Depends(public_caller)],
    response_model=enveloped(SessionOut),
    responses=errors(403, 409),
)
async def register(request: Request, state: StateDep, session: SessionDep, body: Credentials) -> JSONResponse:
    if not state.settings.allow_signup:
        raise ApiError(403, "Sign-up is disabled on this server")
    user = await service.create_user(session, body.email, body.password, state.settings.signup_tier)
    return ok(request, _session_payload(state, user), status=201, headers=NO_STORE)


@router.post(
    "/login",
    summary="Get a user JWT",
    dependencies=[Depends(public_caller)],
    response_model=enveloped(SessionOut),
    responses=errors(401),
)
async def login(request: Request, state: StateDep, session: SessionDep, body: Credentials) -> JSONResponse:
    user = await service.authenticate(session, body.email, body.password)
    return ok(request, _session_payload(state, user), headers=NO_STORE)


@router.get("/me", summary="The signed-in user", response_model=enveloped(UserOut))
async def me(request: Request, state: StateDep, session: SessionDep, caller: JwtCaller) -> JSONResponse:
    user = await repository.by_id(session, caller.user_id)
    if user is None:
        raise unauthorized()
    return ok(request, user_out(user, state.settings.enterprise_rate_limit))
