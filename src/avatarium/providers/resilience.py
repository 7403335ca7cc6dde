"""Calling vendors safely: timeouts, a total deadline, retries with jittered backoff, a circuit breaker.

Retries happen only before any output was produced (a stream is never restarted
halfway, which would duplicate text), only on 429, 5xx and connection failures,
and they honour `Retry-After`. SDK-level retries are not used, so there is never a
retry inside a retry. Every failure leaves here as one `ProviderError`, whose
message is ours: vendor bodies are logged by status only and never passed on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from avatarium.providers.base import ErrorCategory, ProviderError

log = logging.getLogger("avatarium.providers")

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


@dataclass
class Policy:
    deadline: float = 60.0  # seconds for the whole call, retries included
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 2
    backoff: float = 0.25
    max_retry_after: float = 10.0
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0
    clock: Callable[[], float] = time.monotonic  # the breaker's; injected by tests

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.read_timeout, connect=self.connect_timeout)

    def breaker(self) -> CircuitBreaker:
        return CircuitBreaker(self.breaker_threshold, self.breaker_cooldown, self.clock)


# Failures that say the vendor is unwell; a refused key or request says nothing about its health.
BREAKER_CATEGORIES = frozenset({"unavailable", "timeout", "rate_limit"})


@dataclass
class CircuitBreaker:
    """Opens after `threshold` consecutive failures. Once `cooldown` has passed it is half-open:
    exactly one trial call goes through, and its outcome closes the breaker or opens it again."""

    threshold: int = 5
    cooldown: float = 30.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = field(default=None)
    trial: bool = False  # the half-open trial call is in flight

    @property
    def closed(self) -> bool:
        return self.opened_at is None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        if self.trial or self.clock() - self.opened_at < self.cooldown:
            return False
        self.trial = True
        return True

    def success(self) -> None:
        self.failures, self.opened_at, self.trial = 0, None, False

    def failure(self) -> None:
        self.failures += 1
        if self.trial or self.failures >= self.threshold:
            self.opened_at, self.trial = self.clock(), False

    def release(self) -> None:
        """The call ended with no verdict (cancelled): another caller may make the trial."""
        self.trial = False


def category_of(status: int) -> ErrorCategory:
    if status in (401, 403):
        return "auth"
    if status == 429:
        return "rate_limit"
    if status in (408, 504):
        return "timeout"
    if status >= 500:
        return "unavailable"
    return "bad_request"


def _retry_after(response: httpx.Response | None, cap: float) -> float | None:
    if response is None:
        return None
    value = response.headers.get("retry-after")
    try:
        return min(cap, max(0.0, float(value))) if value is not None else None
    except ValueError:
        return None


class VendorCall:
    """One provider's HTTP calls under a policy and a breaker."""

    def __init__(self, provider: str, client: httpx.AsyncClient, policy: Policy | None = None) -> None:
        self.provider = provider
        self.client = client
        self.policy = policy or Policy()
        self.breaker = self.policy.breaker()

    def error(self, category: ErrorCategory, message: str) -> ProviderError:
        return ProviderError(self.provider, category, message)

    @asynccontextmanager
    async def stream(self, method: str, url: str, **kwargs: object) -> AsyncIterator[httpx.Response]:
        """An open, successful (2xx) response, after retries; raises ProviderError otherwise.

        The breaker hears the call's outcome when the block ends, so a stream that stalls, breaks
        or turns out malformed halfway counts as a failure like a refused connection does.
        """
        deadline = time.monotonic() + self.policy.deadline
        response = await self._open(method, url, deadline, kwargs)
        try:
            async with asyncio.timeout(self._remaining(deadline)):
                yield response
        except (TimeoutError, httpx.TimeoutException) as exc:
            self.breaker.failure()
            raise self.error("timeout", "the response stalled") from exc
        except httpx.TransportError as exc:
            self.breaker.failure()
            raise self.error("unavailable", "the connection broke mid-response") from exc
        except ProviderError as exc:
            self._verdict(exc.category)
            raise
        except BaseException:
            self.breaker.release()  # the caller stopped reading (cancelled, or had enough): no verdict
            raise
        else:
            self.breaker.success()
        finally:
            await response.aclose()

    async def read(self, method: str, url: str, **kwargs: object) -> bytes:
        """A complete successful response body (for answers too small to stream)."""
        async with self.stream(method, url, **kwargs) as response:
            return await response.aread()

    def _verdict(self, category: ErrorCategory) -> None:
        if category in BREAKER_CATEGORIES:
            self.breaker.failure()
        else:
            self.breaker.success()

    def _remaining(self, deadline: float) -> float:
        return max(0.01, deadline - time.monotonic())

    async def _attempt(
        self, method: str, url: str, deadline: float, kwargs: dict[str, object]
    ) -> tuple[httpx.Response | None, ErrorCategory | None, bool]:
        """One try: (the open response, None, _) on success, else (any error response, category, retryable)."""
        started = time.monotonic()
        response: httpx.Response | None = None
        try:
            async with asyncio.timeout(self._remaining(deadline)):
                request = self.client.build_request(method, url, timeout=self.policy.timeout(), **kwargs)  # type: ignore[arg-type]
                response = await self.client.send(request, stream=True)
        except (TimeoutError, httpx.TimeoutException):
            log.warning(
                "provider=%s category=timeout latency_ms=%.0f", self.provider, (time.monotonic() - started) * 1000
            )
            return None, "timeout", True
        except httpx.TransportError:
            log.warning("provider=%s category=unavailable (connection failed)", self.provider)
            return None, "unavailable", True
        if response.status_code < 400:
            log.info("provider=%s status=%s latency_ms=%.0f", self.provider, response.status_code,
                     (time.monotonic() - started) * 1000)  # fmt: skip
            return response, None, False
        await response.aclose()
        category = category_of(response.status_code)
        log.warning("provider=%s status=%s category=%s", self.provider, response.status_code, category)
        return response, category, response.status_code in RETRYABLE_STATUS

    async def _open(self, method: str, url: str, deadline: float, kwargs: dict[str, object]) -> httpx.Response:
        attempt = 0
        while True:
            if not self.breaker.allow():
                raise self.error("unavailable", "the circuit breaker is open after repeated failures")
            try:
                response, category, retryable = await self._attempt(method, url, deadline, kwargs)
            except BaseException:
                self.breaker.release()
                raise
            if category is None:
                assert response is not None
                return response  # the verdict comes when the caller is done with it
            self._verdict(category)
            wait = _retry_after(response, self.policy.max_retry_after)
            if wait is None:
                wait = random.uniform(0, self.policy.backoff * 2**attempt)  # noqa: S311 - jitter, not security
            out_of_time = time.monotonic() + wait >= deadline
            if not retryable or attempt >= self.policy.retries or out_of_time or not self.breaker.closed:
                raise self.error(category, "the request failed")
            attempt += 1
            await asyncio.sleep(wait)
