"""The app as configured, with a limiter that counts nothing: what the rate limit costs (bench only).

It still reads the stamps a request's cached values depend on, in one call (one HMGET with
Redis), so that the difference from the real app is the limiter alone: the sliding log and,
for anonymous requests, the round trip to Redis.
"""

from __future__ import annotations

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.ratelimit import Decision, RateLimiter


class Unlimited(RateLimiter):
    async def hit(self, subject: str, limit: int) -> Decision:
        return Decision(allowed=True, limit=limit, remaining=limit, reset=0, retry_after=0)

    async def reset(self) -> None:
        return None


app = create_app(Settings())
app.state.avatarium.limiter = Unlimited()
