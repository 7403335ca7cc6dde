"""Request dependencies: the app state, the database session, the caller and the rate limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium import idempotency
from avatarium.accounts.tiers import tier_limit
from avatarium.auth.principal import Principal, bearer_token
from avatarium.errors import ApiError, unauthorized
from avatarium.ratelimit import Decision
from avatarium.state import AppState


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.avatarium
    return state


async def get_state(request: Request) -> AppState:
    return state_of(request)


StateDep = Annotated[AppState, Depends(get_state)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once here when the handler succeeds."""
    async with state_of(request).sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        if session.in_transaction():
            await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def client_address(request: Request, trust_proxy: bool) -> str:
    if trust_proxy:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",", 1)[0].strip()
    return request.client.host if request.client else "unknown"


async def count_request(state: AppState, caller: Principal | None, address: str) -> Decision:
    """Count one request against the caller's account, or against its address when anonymous."""
    if caller is None:
        return await state.limiter.hit("ip:" + address, state.settings.anonymous_rate_limit)
    limit = tier_limit(caller.tier, caller.rate_limit, state.settings.enterprise_rate_limit)
    return await state.limiter.hit(f"user:{caller.user_id}", limit)


async def enforce_rate_limit(request: Request, state: AppState, caller: Principal | None) -> None:
    decision = await count_request(state, caller, client_address(request, state.settings.trust_proxy))
    request.scope.setdefault("state", {})["ratelimit_headers"] = decision.headers()
    if not decision.allowed:
        message = f"Rate limit of {decision.limit} requests per minute exceeded"
        raise ApiError(429, message, headers=decision.headers())


async def _token_principal(request: Request, state: AppState) -> Principal | None:
    token = bearer_token(request.headers.get("authorization"))
    return await state.auth.resolve(token) if token else None


async def public_caller(request: Request) -> Principal | None:
    """No credentials needed; a valid token attributes the request, an invalid one is ignored."""
    state = state_of(request)
    return await _admit(request, state, await _token_principal(request, state))


async def _admit(request: Request, state: AppState, caller: Principal | None) -> Principal | None:
    """After authentication, in this order: the rate limit, then the Idempotency-Key claim."""
    await enforce_rate_limit(request, state, caller)
    if caller is not None:
        await idempotency.claim(request, state, caller.user_id)
    return caller


async def api_caller(request: Request) -> Principal:
    """An API key or a user JWT."""
    state = state_of(request)
    caller = await _token_principal(request, state)
    if caller is None:
        raise unauthorized()
    await _admit(request, state, caller)
    return caller


async def jwt_caller(request: Request) -> Principal:
    """A user JWT only: API keys cannot manage accounts or keys."""
    state = state_of(request)
    caller = await _token_principal(request, state)
    if caller is None:
        raise unauthorized()
    if caller.kind != "jwt":
        raise unauthorized("This endpoint requires a user JWT from /v1/auth/login, not an API key")
    await _admit(request, state, caller)
    return caller


ApiCaller = Annotated[Principal, Depends(api_caller)]
JwtCaller = Annotated[Principal, Depends(jwt_caller)]
