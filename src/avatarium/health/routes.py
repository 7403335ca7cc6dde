from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from avatarium import __version__
from avatarium.deps import StateDep
from avatarium.envelope import ErrorEnvelope, WireModel, enveloped, failure, request_id_of, success
from avatarium.state import AppState

router = APIRouter(tags=["health"])
log = logging.getLogger("avatarium.health")


# A check that takes longer than this counts as down: monitors must get an answer, not a hang.
CHECK_SECONDS = 3.0


async def _database_up(state: AppState) -> bool:
    async with state.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return True


async def _check(name: str, probe: Awaitable[bool]) -> str:
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            return "ok" if await probe else "down"
    except Exception as exc:
        log.warning("%s health check failed: %r", name, exc)
        return "down"


class ChecksOut(WireModel):
    database: Literal["ok", "down"]
    redis: Literal["ok", "down", "disabled"]


class PluginOut(WireModel):
    name: str
    provider: str
    status: Literal["loaded", "failed"]
    problem: str | None


class HealthOut(WireModel):
    status: Literal["ok", "degraded"]
    version: str
    checks: ChecksOut
    plugins: list[PluginOut]


class HealthDownOut(ErrorEnvelope):
    data: HealthOut


@router.get(
    "/health",
    summary="Health check",
    response_model=enveloped(HealthOut),
    responses={503: {"model": HealthDownOut, "description": "A dependency is down; `data` says which"}},
)
async def health(request: Request, state: StateDep) -> JSONResponse:
    checks = {"database": await _check("database", _database_up(state)), "redis": "disabled"}
    if state.settings.redis_url:
        checks["redis"] = await _check("redis", state.limiter.check_health())
    healthy = "down" not in checks.values()
    data = {
        "status": "ok" if healthy else "degraded",
        "version": __version__,
        "checks": checks,
        "plugins": [plugin.out() for plugin in state.providers.plugins],  # a broken plugin is reported, not fatal
    }
    request_id = request_id_of(request.scope.setdefault("state", {}))
    if healthy:
        return JSONResponse(success(data, request_id))
    down = ", ".join(name for name, status in checks.items() if status == "down")
    body = failure("SERVICE_UNAVAILABLE", f"A dependency is down: {down}", request_id)
    body["data"] = data
    return JSONResponse(body, status_code=503)
