"""Tiered rate limits over an exact sliding 60-second window.

A sliding log: the times of the accepted requests of each subject (an account or an
anonymous client address) within the window. A request is accepted while fewer than
N remain in the last 60 seconds; a refused request is not recorded. In process the
log is a deque per subject (amortised O(1) per request); with `AVATARIUM_REDIS_URL`
it is a sorted set per subject updated by one Lua script (O(log n)), on Redis's
clock, so that every instance sharing that Redis counts exactly the same requests.

(The `limits` library's moving window was measured first: its in-memory storage
inserts at the front of a list, O(n) per request, which collapsed throughput for
accounts with high limits; see bench/http_throughput.py.)
"""

from __future__ import annotations

import math
import time
import uuid
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from typing import Any

WINDOW_SECONDS = 60


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


def _decision(allowed: bool, limit: int, count: int, oldest: float, now: float, window: float) -> Decision:
    reset = oldest + window if count else now + window
    return Decision(
        allowed=allowed,
        limit=limit,
        remaining=max(0, limit - count),
        reset=math.ceil(reset),
        retry_after=max(1, math.ceil(reset - now)),
    )


class RateLimiter(ABC):
    def __init__(self, window_seconds: float = WINDOW_SECONDS) -> None:
        self.window = window_seconds

    @abstractmethod
    async def hit(self, subject: str, limit: int) -> Decision:
        """Record one request of `subject` if it is within `limit`, and say so."""

    async def check_health(self) -> bool:
        return True

    @abstractmethod
    async def reset(self) -> None:
        """Forget every subject's requests."""

    async def close(self) -> None:
        return None

    @staticmethod
    def from_url(redis_url: str | None) -> RateLimiter:
        return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()


class MemoryRateLimiter(RateLimiter):
    """One process's sliding logs. Runs on the event loop only, so needs no locks."""

    _SWEEP_EVERY = 10_000

    def __init__(self, window_seconds: float = WINDOW_SECONDS) -> None:
        super().__init__(window_seconds)
        self._logs: dict[str, deque[float]] = {}
        self._hits = 0

    async def hit(self, subject: str, limit: int) -> Decision:
        now = time.time()
        log = self._logs.get(subject)
        if log is None:
            log = self._logs[subject] = deque()
        cutoff = now - self.window
        while log and log[0] <= cutoff:
            log.popleft()
        allowed = len(log) < limit
        if allowed:
            log.append(now)
        self._hits += 1
        if self._hits % self._SWEEP_EVERY == 0:
            self._sweep(cutoff)
        return _decision(allowed, limit, len(log), log[0] if log else now, now, self.window)

    def _sweep(self, cutoff: float) -> None:
        """Drop the logs of subjects with no request left in the window."""
        for subject in [s for s, log in self._logs.items() if not log or log[-1] <= cutoff]:
            del self._logs[subject]

    async def reset(self) -> None:
        self._logs.clear()


_HIT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {allowed, count, tostring(oldest[2] or now), tostring(now)}
"""


class RedisRateLimiter(RateLimiter):
    """Sliding logs in Redis sorted sets, shared by every instance; times come from Redis."""

    PREFIX = "avatarium:rl:"

    def __init__(self, url: str, window_seconds: float = WINDOW_SECONDS) -> None:
        super().__init__(window_seconds)
        from avatarium import redis_client

        self._redis = redis_client.connect(url)
        self._script: Any = self._redis.register_script(_HIT_SCRIPT)

    async def hit(self, subject: str, limit: int) -> Decision:
        allowed, count, oldest, now = await self._script(
            keys=[self.PREFIX + subject], args=[self.window, limit, uuid.uuid4().hex]
        )
        return _decision(bool(allowed), limit, int(count), float(oldest), float(now), self.window)

    async def check_health(self) -> bool:
        return bool(await self._redis.ping())

    async def reset(self) -> None:
        async for key in self._redis.scan_iter(match=self.PREFIX + "*"):
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()
