"""Request dependencies: the app state, the database session, the caller and the rate limit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium import idempotency
from avatarium.accounts.tiers import tier_limit
from avatarium.auth.principal import Principal, bearer_token
from avatarium.errors import ApiError, unauthorized
from avatarium.ratelimit import Admission, Decision
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


def _subject(state: AppState, caller: Principal | None, address: str) -> tuple[str, int]:
    """Whose count a request goes to (its account, or its address when anonymous) and its limit."""
    if caller is None:
        return "ip:" + address, state.settings.anonymous_rate_limit
    return f"user:{caller.user_id}", tier_limit(caller.tier, caller.rate_limit, state.settings.enterprise_rate_limit)


async def count_request(state: AppState, caller: Principal | None, address: str) -> Decision:
    """Count one request against the caller's account, or against its address when anonymous."""
    return await state.limiter.hit(*_subject(state, caller, address))


Needs = Literal["any", "api", "jwt"]  # any caller; an API key or user JWT; a user JWT only


@dataclass(frozen=True)
class Admitted:
    caller: Principal | None
    stamps: Mapping[str, int]  # the current stamps of the keys the request asked for


async def admit(request: Request, needs: Needs = "any", reads: Collection[str] = ()) -> Admitted:
    """Authenticate, count against the rate limit, then claim the Idempotency-Key, in that order.

    `reads`: the stamp keys of what the request will serve from memory, read in the same step
    as the rate limit. When the caller's account is cached, its stamp is confirmed in that step
    too: with Redis, the whole admission is one round trip (see `RateLimiter.admit`).
    """
    state = state_of(request)
    token = bearer_token(request.headers.get("authorization"))
    address = client_address(request, state.settings.trust_proxy)
    remembered = state.auth.remembered(token) if token else None
    seen: Mapping[str, int] | None = None
    if remembered is not None and _fits(remembered.principal, needs):
        guard = (remembered.stamp_key, remembered.stamp)
        subject, limit = _subject(state, remembered.principal, address)
        admission = await state.limiter.admit(subject, limit, state.stamps, reads, guard)
        if admission.decision is not None:
            await state.auth.confirmed(remembered)
            return await _admitted(request, state, remembered.principal, admission)
        seen = admission.stamps  # the account changed: its new stamp is already read
    caller = await state.auth.resolve(token, seen) if token else None
    if needs != "any":
        _require(caller, needs)
    subject, limit = _subject(state, caller, address)
    admission = await state.limiter.admit(subject, limit, state.stamps, reads)
    return await _admitted(request, state, caller, admission)


def _fits(caller: Principal, needs: Needs) -> bool:
    return needs != "jwt" or caller.kind == "jwt"


def _require(caller: Principal | None, needs: Needs) -> None:
    """Credentials are checked before the limit: a 401 is not counted against anybody."""
    if caller is None:
        raise unauthorized()
    if needs == "jwt" and caller.kind != "jwt":
        raise unauthorized("This endpoint requires a user JWT from /v1/auth/login, not an API key")


async def _admitted(request: Request, state: AppState, caller: Principal | None, admission: Admission) -> Admitted:
    decision = admission.decision
    assert decision is not None  # counted without a guard, or with a guard that held
    request.scope.setdefault("state", {})["ratelimit_headers"] = decision.headers()
    if not decision.allowed:
        message = f"Rate limit of {decision.limit} requests per minute exceeded"
        raise ApiError(429, message, headers=decision.headers())
    if caller is not None:
        await idempotency.claim(request, state, caller.user_id)
    return Admitted(caller, admission.stamps)


async def public_caller(request: Request) -> Principal | None:
    """No credentials needed; a valid token attributes the request, an invalid one is ignored."""
    return (await admit(request)).caller


async def api_caller(request: Request) -> Principal:
    """An API key or a user JWT."""
    return (await api_caller_reading(request, ()))[0]


async def api_caller_reading(request: Request, reads: Collection[str]) -> tuple[Principal, Mapping[str, int]]:
    """`api_caller` for a route serving `reads` from memory: the caller, and their stamps as of now."""
    admitted = await admit(request, "api", reads)
    assert admitted.caller is not None  # `admit` refuses a request without one
    return admitted.caller, admitted.stamps


async def jwt_caller(request: Request) -> Principal:
    """A user JWT only: API keys cannot manage accounts or keys."""
    caller = (await admit(request, "jwt")).caller
    assert caller is not None  # `admit` refuses a request without one
    return caller


ApiCaller = Annotated[Principal, Depends(api_caller)]
JwtCaller = Annotated[Principal, Depends(jwt_caller)]
