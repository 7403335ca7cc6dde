from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from avatarium import __version__
from avatarium.deps import StateDep
from avatarium.envelope import failure, request_id_of, success

router = APIRouter(tags=["health"])
log = logging.getLogger("avatarium.health")


@router.get("/health", summary="Health check")
async def health(request: Request, state: StateDep) -> JSONResponse:
    checks = {"database": "ok", "redis": "disabled"}
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        log.warning("database health check failed", exc_info=True)
        checks["database"] = "down"
    if state.settings.redis_url:
        try:
            checks["redis"] = "ok" if await state.limiter.check_health() else "down"
        except Exception:
            log.warning("redis health check failed", exc_info=True)
            checks["redis"] = "down"
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
    body = failure("SERVICE_UNAVAILABLE", "A dependency is down", request_id)
    body["data"] = data
    return JSONResponse(body, status_code=503)
