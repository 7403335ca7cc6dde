"""Account rules shared by the HTTP API and the command line."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.accounts import repository
from avatarium.accounts.tiers import TIERS
from avatarium.auth.passwords import hash_password, verify_password
from avatarium.cache.stamps import conversation_key, user_key
from avatarium.db.changes import mark_changed
from avatarium.db.models import User
from avatarium.errors import ApiError, bad_request, not_found, unauthorized

MIN_PASSWORD = 8
MAX_EMAIL = 320
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(value: str) -> bool:
    value = value.strip()
    return len(value) <= MAX_EMAIL and _EMAIL.match(value) is not None


def normalise_email(email: str) -> str:
    """The address as stored and compared: trimmed, lower-case. 400 if it is not an address."""
    if not is_email(email):
        raise bad_request("email must be a valid email address", "email", "invalid")
    return email.strip().lower()


def check_tier(tier: str, rate_limit: int | None) -> None:
    if tier not in TIERS:
        raise bad_request(f"tier must be one of: {', '.join(TIERS)}", "tier", "invalid_value")
    if rate_limit is None:
        return
    if tier != "enterprise":
        # The other tiers' limits are the contract's table; a custom one would silently contradict it.
        raise bad_request("a custom rate limit can only be set on the enterprise tier", "rateLimit", "invalid")
    if rate_limit < 1:
        raise bad_request("the rate limit must be at least 1 request per minute", "rateLimit", "out_of_range")


async def create_user(
    session: AsyncSession, email: str, password: str, tier: str = "free", rate_limit: int | None = None
) -> User:
    check_tier(tier, rate_limit)
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD:
        raise bad_request(f"password must have at least {MIN_PASSWORD} characters", "password", "too_short")
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


async def find(session: AsyncSession, email: str) -> User:
    user = await repository.by_email(session, normalise_email(email))
    if user is None:
        raise not_found(f"User '{email.strip()}'")
    return user


async def set_tier(session: AsyncSession, email: str, tier: str, rate_limit: int | None) -> User:
    check_tier(tier, rate_limit)
    user = await find(session, email)
    user.tier = tier
    user.rate_limit = rate_limit
    mark_changed(session, user_key(user.id))
    return user


async def delete_user(session: AsyncSession, email: str) -> User:
    """Delete an account with everything it owns; its keys, tokens and conversations stop working at once."""
    user = await find(session, email)
    owned = await repository.conversation_ids(session, user.id)
    await repository.remove(session, user.id)
    mark_changed(session, user_key(user.id), *(conversation_key(c) for c in owned))
    return user
