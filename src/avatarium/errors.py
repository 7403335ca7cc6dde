"""One error type and the handlers that turn every failure into the envelope."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sql
from starlette.exceptions import HTTPException as StarletteHTTPException

from avatarium import redis_client
from avatarium.envelope import failure, request_id_of
from avatarium.providers.base import ProviderError

log = logging.getLogger("avatarium.errors")


# The contract's names where Python's reason phrases differ (RFC 9110 renamed 413).
_CODE_NAMES = {413: "PAYLOAD_TOO_LARGE"}


def status_code_name(status: int) -> str:
    if status in _CODE_NAMES:
        return _CODE_NAMES[status]
    return HTTPStatus(status).phrase.upper().replace(" ", "_").replace("-", "_")


class ApiError(Exception):
    """An error the client should see: status, code, message and optional details."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = status_code_name(status)
        self.message = message
        self.details = details
        self.headers = dict(headers or {})


def bad_request(message: str, field: str | None = None, issue: str = "invalid") -> ApiError:
    details = [{"field": field, "issue": issue}] if field else None
    return ApiError(400, message, details=details)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def unauthorized(message: str = "Missing or invalid credentials") -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})


def error_response(request: Request, error: ApiError) -> JSONResponse:
    request_id = request_id_of(request.scope.setdefault("state", {}))
    body = failure(error.code, error.message, request_id, error.details)
    headers = {**error.headers, "X-Request-Id": request_id, "X-Content-Type-Options": "nosniff"}
    return JSONResponse(body, status_code=error.status, headers=headers)


_ISSUES = {
    "missing": "required",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "too_short": "too_short",
    "too_long": "too_long",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "greater_than": "out_of_range",
    "less_than": "out_of_range",
    "literal_error": "invalid_value",
    "enum": "invalid_value",
    "json_invalid": "malformed",
}


_PROVIDER_MESSAGES = {
    "timeout": "The {provider} provider did not answer in time",
    "rate_limit": "The {provider} provider is rate limiting this server; try again shortly",
    "unavailable": "The {provider} provider is unavailable",
    "busy": "The {provider} provider has too many requests waiting; try again shortly",
    "not_configured": "The {provider} provider is not configured on this server",
    "auth": "The {provider} provider refused this server's credentials",
    "bad_request": "The {provider} provider rejected the request",
}


def provider_error(exc: ProviderError) -> ApiError:
    """One mapping from provider failures to our statuses; vendor payloads never pass through."""
    if exc.category == "unknown":
        return bad_request(exc.message, exc.field, "unknown")
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return ApiError(exc.http_status, _PROVIDER_MESSAGES[exc.category].format(provider=exc.provider), headers=headers)


# Seconds a client should wait before retrying when a dependency is down.
OUTAGE_RETRY_SECONDS = 5
# What an outage can raise; `outage()` decides whether a given one is.
_OUTAGE_TYPES: tuple[type[Exception], ...] = (*redis_client.FAILURES, sql.DBAPIError, sql.TimeoutError, OSError)
_DATABASE_MODULES = ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3")


def _raised_in(exc: BaseException, modules: tuple[str, ...]) -> bool:
    traceback = exc.__traceback__
    while traceback is not None:
        if str(traceback.tb_frame.f_globals.get("__name__", "")).startswith(modules):
            return True
        traceback = traceback.tb_next
    return False


def outage(exc: BaseException) -> ApiError | None:
    """The 503 for a failure of a dependency (Redis, the database), or None if `exc` is something else.

    Decided: while a dependency is down, requests that need it fail fast and cleanly (fail
    closed) rather than run without exact rate limits or cache invalidation; service resumes
    by itself when it is back (see docs/decisions.md, Operations).
    """
    dependency = None
    if isinstance(exc, redis_client.FAILURES):
        dependency = "Redis"
    elif isinstance(exc, sql.OperationalError | sql.InterfaceError | sql.TimeoutError) or (
        isinstance(exc, sql.DBAPIError) and exc.connection_invalidated
    ):
        dependency = "The database"
    elif isinstance(exc, OSError | TimeoutError) and _raised_in(exc, _DATABASE_MODULES):
        dependency = "The database"  # a connection refused or reset before SQLAlchemy could wrap it
    if dependency is None:
        return None
    headers = {"Retry-After": str(OUTAGE_RETRY_SECONDS)}
    return ApiError(503, f"{dependency} is unavailable; try again shortly", headers=headers)


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) if parts else "body"


# What a value of the wrong JSON type should have been.
_TYPES = {
    "bool_type": "true or false",
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
}


def _message(field: str, err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in _TYPES:
        return f"{field} must be {_TYPES[kind]}"
    if kind == "missing":
        return "request body is required" if field == "body" else f"{field} is required"
    if kind in ("string_too_short", "too_short"):
        if ctx.get("min_length") == 1:
            return f"{field} must not be empty"
        return f"{field} must have at least {ctx.get('min_length')} characters"
    if kind in ("string_too_long", "too_long"):
        unit = "characters" if kind == "string_too_long" else "items"
        return f"{field} must have at most {ctx.get('max_length')} {unit}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{field} must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{field} must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"{field} must be one of: {expected}"
    if kind == "json_invalid":
        return "Malformed JSON in request body"
    return f"{field}: {err.get('msg', 'is invalid')}".replace("Value error, ", "")


def validation_error(errors: Sequence[Mapping[str, Any]]) -> ApiError:
    details = []
    messages = []
    for err in errors:
        field = _field_name(err.get("loc", ()))
        details.append({"field": field, "issue": _ISSUES.get(err.get("type", ""), "invalid")})
        messages.append(_message(field, err))
    return ApiError(400, "; ".join(dict.fromkeys(messages)), details=details)


def install(app: FastAPI) -> None:
    """Register the handlers that render every error as the envelope."""

    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, validation_error(exc.errors()))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        messages = {404: "No route matches this path", 405: "Method not allowed"}
        message = messages.get(exc.status_code) or str(exc.detail)
        return error_response(request, ApiError(exc.status_code, message, headers=exc.headers))

    async def on_provider(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProviderError)
        if exc.category != "unknown":
            log.warning("provider %s failed: %s", exc.provider, exc.category)
        return error_response(request, provider_error(exc))

    async def on_outage(request: Request, exc: Exception) -> JSONResponse:
        unavailable = outage(exc)
        if unavailable is None:
            raise exc  # not an outage after all: a crash, answered by `on_crash`
        log.warning("%s on %s %s: %r", unavailable.message, request.method, request.url.path, exc)
        return error_response(request, unavailable)

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, ApiError(500, "Internal server error"))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(ProviderError, on_provider)
    for kind in _OUTAGE_TYPES:
        app.add_exception_handler(kind, on_outage)
    app.add_exception_handler(Exception, on_crash)
