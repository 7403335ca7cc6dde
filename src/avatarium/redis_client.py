"""The one way this service connects to Redis: bounded waits, and retries that ride out a reconnect.

Without timeouts a Redis that stops answering (a cut network, a paused server) would hang
every request that needs it; without retries, the first command after Redis comes back
fails on the connection the outage broke.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

TIMEOUT_SECONDS = 2.0
FAILURES = (RedisConnectionError, RedisTimeoutError)


def connect(url: str, **options: Any) -> Redis:
    return Redis.from_url(
        url,
        socket_timeout=TIMEOUT_SECONDS,
        socket_connect_timeout=TIMEOUT_SECONDS,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
        retry_on_error=list(FAILURES),
        health_check_interval=30,
        **options,
    )
