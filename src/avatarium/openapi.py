"""The OpenAPI document: FastAPI's, completed with what the routes really answer.

FastAPI documents a 422 that no route returns (validation failures are 400 here) and nothing
of the error envelope, the rate limit or the credentials. `install(app)` makes `/openapi.json`
say, for every operation:

- every error status it can return, each with the error envelope: those its own rules raise,
  declared on the route with `errors(...)`, and those that come with its credentials and its
  body, found in its dependencies (`statuses`);
- the rate-limit headers where it is rate limited, and `Retry-After` on 429 and 503;
- `security`: an API key or a user JWT, a user JWT only, either one optionally (where
  credentials widen what is listed), or none.

Success bodies are typed by the routes' `response_model`: `enveloped(TheirData)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from avatarium.deps import api_caller, get_session, jwt_caller, public_caller
from avatarium.envelope import ErrorEnvelope
from avatarium.errors import status_code_name

_BODY_METHODS = {"POST", "PUT", "PATCH"}
_REF = "#/components/schemas/{model}"
_ENVELOPE_REF = _REF.format(model="ErrorEnvelope")

SECURITY_SCHEMES = {
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "av_live_… or av_test_…",
        "description": "An API key (`POST /v1/api-keys`), as `Authorization: Bearer av_live_…`.",
    },
    "userJwt": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A user JWT from `POST /v1/auth/login` or `/v1/auth/register`.",
    },
}
_KEY_OR_JWT: list[dict[str, list[str]]] = [{"apiKey": []}, {"userJwt": []}]

_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {"description": "This request's id, also in `meta.requestId`", "schema": {"type": "string"}},
    "X-RateLimit-Limit": {"description": "Requests allowed per minute", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Requests left in the window", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {
        "description": "Epoch seconds at which one more request will be accepted",
        "schema": {"type": "integer"},
    },
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}},
}
_RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the error statuses a route's own rules return; the envelope is added by `install`."""
    return {status: {"description": HTTPStatus(status).phrase} for status in statuses}


PROVIDER_ERRORS = (502, 503, 504)  # a provider refused, is unavailable or not configured, or timed out


def binary(*media_types: str, description: str = "The file") -> dict[str, Any]:
    """A response of raw bytes in one of `media_types`."""
    schema = {"type": "string", "format": "binary"}
    return {"description": description, "content": {media: {"schema": schema} for media in media_types}}


def event_stream(description: str) -> dict[str, Any]:
    """The `text/event-stream` alternative of a response, its events told in `description`."""
    return {"description": description, "content": {"text/event-stream": {"schema": {"type": "string"}}}}


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _caller(route: APIRoute) -> tuple[Callable[..., Any] | None, bool]:
    """The dependency that authenticates the route's caller, and whether the route uses the caller it gets."""
    lean: Callable[..., Any] | None = getattr(route, "caller", None)
    if lean is not None:
        return lean, True  # a lean endpoint calls it itself, to use the caller
    for sub in _dependencies(route.dependant):
        if sub.call in (api_caller, jwt_caller, public_caller):
            return sub.call, sub.name is not None
    return None, False


def _uses_database(route: APIRoute) -> bool:
    return any(sub.call is get_session for sub in _dependencies(route.dependant))


def statuses(route: APIRoute) -> set[int]:
    """Every error status the route can answer."""
    found = {int(status) for status in route.responses if int(status) >= 400}
    if int(route.status_code or 200) >= 400:
        found.add(int(route.status_code or 200))
    caller, _ = _caller(route)
    if route.methods & _BODY_METHODS:
        found |= {400, 413, 415}  # the body: malformed or invalid, too large, not of the accepted type
    if caller in (api_caller, jwt_caller):
        found.add(401)
    if caller is not None:
        found |= {429, 503}  # rate limited; the database or Redis is down
        if "POST" in route.methods:
            found |= {400, 409}  # Idempotency-Key reused with another body, or still in flight
    if _uses_database(route):
        found.add(503)
    return found


def security(route: APIRoute) -> list[dict[str, list[str]]]:
    caller, used = _caller(route)
    if caller is api_caller:
        return _KEY_OR_JWT
    if caller is jwt_caller:
        return [{"userJwt": []}]
    if caller is public_caller and used:
        return [{}, *_KEY_OR_JWT]  # optional: credentials widen what is answered
    return []


def _error(status: int, described: dict[str, Any] | None) -> dict[str, Any]:
    response = dict(described or {})
    response.setdefault("description", HTTPStatus(status).phrase)
    content = response.get("content") or {}
    schema = content.get("application/json", {}).get("schema")
    if not schema or schema == {}:
        response["content"] = {"application/json": {"schema": {"$ref": _ENVELOPE_REF}}}
    response["description"] = f"`{status_code_name(status)}`: {response['description']}"
    return response


def _headers(status: int, limited: bool) -> dict[str, dict[str, str]]:
    names = ["X-Request-Id"]
    if limited and status != 401:
        names += _RATE_HEADERS
    if status in (429, 503):
        names.append("Retry-After")
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _complete(operation: dict[str, Any], route: APIRoute) -> None:
    responses: dict[str, Any] = operation["responses"]
    responses.pop("422", None)
    for status in sorted(statuses(route)):
        responses[str(status)] = _error(status, responses.get(str(status)))
    limited = _caller(route)[0] is not None
    for code, response in responses.items():
        response.setdefault("headers", {}).update(_headers(int(code), limited))
    operation["security"] = security(route)


def build(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    routes = {
        (route.path_format, method.lower()): route
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            _complete(operation, routes[(path, method)])
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    envelope = ErrorEnvelope.model_json_schema(by_alias=True, ref_template=_REF, mode="serialization")
    schemas.update(envelope.pop("$defs", {}))
    schemas["ErrorEnvelope"] = envelope
    components["securitySchemes"] = SECURITY_SCHEMES
    components["headers"] = _HEADERS
    return spec


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""
    built: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not built:
            built.update(build(app))
        return built

    app.openapi = openapi  # type: ignore[method-assign]
