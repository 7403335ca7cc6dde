"""Tiered rate limits over an exact sliding 60-second window.

A sliding log: the times of the accepted requests of each subject (an account or an
anonymous client address) within the window. A request is accepted while fewer than
N remain in the last 60 seconds; a refused request is not recorded. In process the
log is a deque per subject (amortised O(1) per request); with `AVATARIUM_REDIS_URL`
it is a sorted set per subject updated by one Lua script (O(log n)), on Redis's
clock, so that every instance sharing that Redis counts exactly the same requests.

`admit` counts a request and reads, in the same step, the cache stamps of what the
request will serve from memory (`avatarium.cache`): on Redis the same script reads them,
so that a request costs one round trip. A *guard* (the stamp a cached account was read
under) makes the count conditional: if that stamp has changed (a key revoked, a tier
changed), nothing is counted and the caller is authenticated again from the database.

(The `limits` library's moving window was measured first: its in-memory storage
inserts at the front of a list, O(n) per request, which collapsed throughput for
accounts with high limits; see bench/http_throughput.py.)
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import secrets
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from avatarium.cache.stamps import RedisStamps, Stamps, slot_of

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


Guard = tuple[str, int]  # a stamp key, and the value a cached account was read under


@dataclass(frozen=True)
class Admission:
    decision: Decision | None  # None: the guard's stamp had changed, and nothing was counted
    stamps: Mapping[str, int]  # the current stamps of the keys read (the guard's included)


def _stamp_keys(reads: Collection[str], guard: Guard | None) -> list[str]:
    return list(dict.fromkeys([guard[0], *reads] if guard else reads))


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

    async def admit(
        self, subject: str, limit: int, stamps: Stamps | None, reads: Collection[str] = (), guard: Guard | None = None
    ) -> Admission:
        """`hit`, with the current stamps of `reads`; unless `guard`'s stamp has changed, then no hit."""
        seen = await stamps.read_many(_stamp_keys(reads, guard)) if stamps else {}
        if guard is not None and seen.get(guard[0]) != guard[1]:
            return Admission(None, seen)
        return Admission(await self.hit(subject, limit), seen)

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


# KEYS[1]: the subject's sorted set; KEYS[2]: the stamps hash, when there are stamps to read.
# ARGV: window, limit, a unique member, the guard's position among the stamps (0: none), the
# guard's value, then the stamps' slots. Returns allowed (-1: the guard failed, nothing counted),
# the count, the oldest time, now, then the stamps read.
_ADMIT_SCRIPT = """
local stamps = {}
if #ARGV > 5 then
  stamps = redis.call('HMGET', KEYS[2], unpack(ARGV, 6))
  for i = 1, #stamps do
    stamps[i] = stamps[i] or '0'
  end
end
local guard = tonumber(ARGV[4])
if guard > 0 and stamps[guard] ~= ARGV[5] then
  return {-1, 0, '0', '0', unpack(stamps)}
end
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
return {allowed, count, tostring(oldest[2] or now), tostring(now), unpack(stamps)}
"""


_ADMIT_SHA = hashlib.sha1(_ADMIT_SCRIPT.encode(), usedforsecurity=False).hexdigest()


class RedisRateLimiter(RateLimiter):
    """Sliding logs in Redis sorted sets, shared by every instance; times come from Redis.

    The script runs on a `Line` (avatarium.redis_line), which costs a tenth of redis-py's CPU.
    """

    PREFIX = "avatarium:rl:"

    def __init__(self, url: str, window_seconds: float = WINDOW_SECONDS) -> None:
        super().__init__(window_seconds)
        from avatarium import redis_client
        from avatarium.redis_line import Line

        self._redis = redis_client.connect(url)
        self._line = Line(url)
        # Each request's member of the sorted set, unique across instances: this limiter's random
        # prefix, the process (a fork copies the prefix and the counter) and a counter (uuid4 cost
        # 5 % of a cached read's samples: a getrandom call per request).
        prefix = secrets.token_hex(8)
        self._members = (f"{prefix}:{os.getpid()}:{n}" for n in itertools.count())

    async def hit(self, subject: str, limit: int) -> Decision:
        decision = (await self._run(subject, limit, None, [], None)).decision
        assert decision is not None  # no guard
        return decision

    async def admit(
        self, subject: str, limit: int, stamps: Stamps | None, reads: Collection[str] = (), guard: Guard | None = None
    ) -> Admission:
        """One round trip when the stamps are in the same Redis (they are whenever a Redis is configured)."""
        if not isinstance(stamps, RedisStamps):
            return await super().admit(subject, limit, stamps, reads, guard)
        await stamps.catch_up()
        return await self._run(subject, limit, stamps, _stamp_keys(reads, guard), guard)

    async def _run(
        self, subject: str, limit: int, stamps: RedisStamps | None, keys: list[str], guard: Guard | None
    ) -> Admission:
        redis_keys = [self.PREFIX + subject, *([stamps.HASH] if stamps and keys else [])]
        guarded = [1, guard[1]] if guard else [0, 0]
        args = [self.window, limit, next(self._members), *guarded, *(slot_of(key) for key in keys)]
        allowed, count, oldest, now, *values = await self._line.script(_ADMIT_SCRIPT, _ADMIT_SHA, redis_keys, args)
        seen = {key: int(value) for key, value in zip(keys, values, strict=True)}
        if allowed == -1:
            return Admission(None, seen)
        return Admission(_decision(bool(allowed), limit, int(count), float(oldest), float(now), self.window), seen)

    async def check_health(self) -> bool:
        return bool(await self._line.call("PING") == b"PONG")

    async def reset(self) -> None:
        async for key in self._redis.scan_iter(match=self.PREFIX + "*"):
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._line.close()
        await self._redis.aclose()
