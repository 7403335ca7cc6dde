"""Tiered rate limits over a sliding 60-second window.

The algorithm is `limits`' moving window: no more than N accepted requests in any
60 seconds, and refused requests are not recorded. Storage is in-process by
default, or Redis (shared by every instance) when `AVATARIUM_REDIS_URL` is set.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

WINDOW_SECONDS = 60
TIER_LIMITS = {"free": 10, "creator": 30, "pro": 60}
TIERS = ("free", "creator", "pro", "enterprise")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # epoch seconds at which one more request will be accepted
    retry_after: int

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def tier_limit(tier: str, custom: int | None, enterprise_default: int) -> int:
    """Requests per minute for an account: the operator's number wins, then the tier table."""
    if custom is not None:
        return custom
    return TIER_LIMITS.get(tier, enterprise_default)


class RateLimiter:
    """Counts requests per subject (an account or an anonymous client address)."""

    def __init__(self, storage: Storage, window_seconds: int = WINDOW_SECONDS) -> None:
        self._storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self._window = window_seconds

    @classmethod
    def from_url(cls, redis_url: str | None) -> RateLimiter:
        if redis_url:
            uri = redis_url.replace("redis://", "async+redis://", 1).replace("rediss://", "async+rediss://", 1)
            return cls(RedisStorage(uri, implementation="redispy", key_prefix="avatarium:rl"))
        return cls(MemoryStorage())

    async def hit(self, subject: str, limit: int) -> Decision:
        item = RateLimitItemPerSecond(limit, self._window)
        allowed = await self._strategy.hit(item, subject)
        stats = await self._strategy.get_window_stats(item, subject)
        now = time.time()
        reset = stats.reset_time if stats.reset_time > now else now + self._window
        return Decision(
            allowed=allowed,
            limit=limit,
            remaining=max(0, stats.remaining),
            reset=math.ceil(reset),
            retry_after=max(1, math.ceil(reset - now)),
        )

    async def check_health(self) -> bool:
        return bool(await self._storage.check())

    async def reset(self) -> None:
        await self._storage.reset()
