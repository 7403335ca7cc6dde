"""Account rules shared by the HTTP API and the command line."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.accounts import repository
from avatarium.auth.passwords import hash_password, verify_password
from avatarium.cache.stamps import user_key
from avatarium.db.changes import mark_changed
from avatarium.db.models import User
from avatarium.errors import ApiError, bad_request, not_found, unauthorized
from avatarium.ratelimit import TIERS

MIN_PASSWORD = 8


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_tier(tier: str, rate_limit: int | None) -> None:
    if tier not in TIERS:
        raise bad_request(f"tier must be one of: {', '.join(TIERS)}", "tier", "invalid_value")
    if rate_limit is not None and rate_limit < 1:
        raise bad_request("rateLimit must be at least 1", "rateLimit", "out_of_range")


async def create_user(
    session: AsyncSession, email: str, password: str, tier: str = "free", rate_limit: int | None = None
) -> User:
    check_tier(tier, rate_limit)
    if len(password) < MIN_PASSWORD:
        raise bad_request(f"password must have at least {MIN_PASSWORD} characters", "password", "too_short")
    email = normalise_email(email)
    if await repository.by_email(session, email) is not None:
        raise ApiError(409, "An account with this email already exists")
    password_hash = await hash_password(password)
    try:
        return await repository.add(
            session, User(email=email, password_hash=password_hash, tier=tier, rate_limit=rate_limit)
        )
    except IntegrityError as exc:  # a concurrent registration won the race; the request rolls back
        raise ApiError(409, "An account with this email already exists") from exc


async def authenticate(session: AsyncSession, email: str, password: str) -> User:
    user = await repository.by_email(session, normalise_email(email))
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        raise unauthorized("Invalid email or password")
    return user


async def set_tier(session: AsyncSession, email: str, tier: str, rate_limit: int | None) -> User:
    check_tier(tier, rate_limit)
    user = await repository.by_email(session, normalise_email(email))
    if user is None:
        raise not_found(f"User '{email}'")
    user.tier = tier
    user.rate_limit = rate_limit
    mark_changed(session, user_key(user.id))
    return user
