"""Lean routes for the hottest reads.

FastAPI solves an endpoint's parameters and dependencies on every request: about 45 µs
for an endpoint that takes only the request and 100 µs with two optional query
parameters, on a machine where a bare Starlette endpoint costs 16 µs — more than the
rest of a cached read (bench/http_throughput.py). An endpoint declared with
`route_class=LeanRoute` takes the request and nothing else and is called as a plain
Starlette endpoint. It authenticates and counts the request by calling the functions
the dependencies are made of (`deps.public_caller`, `deps.api_caller`), names that function
as its `caller` and describes its parameters with `parameters(...)`, for the OpenAPI document.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter
from fastapi.routing import request_response as fastapi_request_response
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router, WebSocketRoute, request_response
from starlette.types import Message, Receive, Scope, Send

from avatarium.strict_json import StrictJSONRequest

# Lean endpoint → the function it authenticates with. Kept by endpoint: including a router copies its routes.
_CALLERS: dict[Callable[..., Any], Callable[..., Any]] = {}


class LeanRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if list(inspect.signature(endpoint).parameters) != ["request"]:
            raise TypeError(f"{endpoint.__name__}: a lean endpoint takes the request only")
        super().__init__(path, endpoint, **kwargs)
        self.app = request_response(endpoint)

    @property
    def caller(self) -> Callable[..., Any] | None:
        return _CALLERS.get(self.endpoint)


E = TypeVar("E", bound=Callable[..., Any])


def lean_get(router: APIRouter, path: str, caller: Callable[..., Any], **kwargs: Any) -> Callable[[E], E]:
    """`@router.get(path, ...)` for a lean endpoint that authenticates its requests with `caller`."""

    def register(endpoint: E) -> E:
        _CALLERS[endpoint] = caller
        router.add_api_route(path, endpoint, methods=["GET"], route_class_override=LeanRoute, **kwargs)
        return endpoint

    return register


def parameters(path: dict[str, str] | None = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    """`openapi_extra` naming a lean endpoint's string parameters: name → description."""
    described = [
        {"name": name, "in": where, "required": where == "path", "description": text, "schema": {"type": "string"}}
        for where, params in (("path", path or {}), ("query", query or {}))
        for name, text in params.items()
    ]
    return {"parameters": described}


class RouteIndex:
    """The app's router, trying only the routes that can match a path's first two segments.

    Starlette tries every route in order until one matches; with fifty routes that costs
    more than a cached read. Routes are grouped by their number of path segments and their
    first two segments when those are literal; the rest (parameters there, `:path`
    parameters, mounts) are tried for every path. Order among the candidates is the
    router's, so the same route wins.

    Two things it does better than the router: `HEAD` is answered by the `GET` route of a
    path, without the body (FastAPI's routes accept only the methods they declare), and a
    path whose routes take other methods answers 405 with all of them in `Allow` (the
    router names only the first route's). When nothing matches, the router itself answers
    (404, slash redirects, lifespan).
    """

    def __init__(self, router: Router) -> None:
        self.router = router
        self._always: list[tuple[int, BaseRoute]] = []
        grouped: dict[tuple[int, tuple[str, ...]], list[tuple[int, BaseRoute]]] = {}
        for position, route in enumerate(router.routes):
            key = _route_key(route)
            if key is None:
                self._always.append((position, route))
            else:
                grouped.setdefault(key, []).append((position, route))
        self._index = {
            key: [r for _, r in sorted(routes + self._always, key=lambda p: p[0])] for key, routes in grouped.items()
        }
        self._fallback = [route for _, route in self._always]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.router.app(scope, receive, send)
            return
        scope.setdefault("router", self.router)
        found = self.find(scope)
        if found is None and scope["type"] == "http":
            if scope["method"] == "HEAD" and (as_get := self.find({**scope, "method": "GET"})) is not None:
                await self._head(scope, receive, send, *as_get)
                return
            allowed = self.allowed(scope)
            if allowed:
                raise HTTPException(405, headers={"Allow": ", ".join(allowed)})
        if found is None:
            await self.router.app(scope, receive, send)
            return
        route, child_scope = found
        scope["route"] = route
        scope.update(child_scope)
        await route.handle(scope, receive, send)

    async def _head(self, scope: Scope, receive: Receive, send: Send, route: BaseRoute, child_scope: Scope) -> None:
        """The GET route's response without its body; its headers (Content-Length included) as they are."""

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        scope["route"] = route
        await route.handle({**scope, **child_scope, "method": "GET"}, receive, without_body)

    def allowed(self, scope: Scope) -> list[str]:
        """Every method some route of this path takes (empty when no route has this path)."""
        methods: set[str] = set()
        for route in self._index.get(_path_key(_route_path(scope)), self._fallback):
            match, _ = route.matches(scope)
            if match is Match.PARTIAL:
                methods |= getattr(route, "methods", None) or set()
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods)

    def find(self, scope: Scope) -> tuple[BaseRoute, Scope] | None:
        """The route the router would pick with a full match, and its child scope."""
        for route in self._index.get(_path_key(_route_path(scope)), self._fallback):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return route, child_scope
        return None


def _in_order(routes: list[tuple[int, BaseRoute]]) -> list[BaseRoute]:
    return [route for _, route in sorted(routes, key=lambda pair: pair[0])]


def _route_path(scope: Scope) -> str:
    """The path below the app's root path, as Starlette's routes match it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and (path == root or path[len(root)] == "/"):
        return path[len(root) :]
    return path


def _path_key(path: str) -> tuple[int, tuple[str, ...]]:
    segments = path.split("/")
    return len(segments), tuple(segments[1:3])


def _route_key(route: BaseRoute) -> tuple[int, tuple[str, ...]] | None:
    if not isinstance(route, Route | WebSocketRoute) or ":path}" in route.path:
        return None
    count, first = _path_key(route.path_format)
    return None if any("{" in segment for segment in first) else (count, first)


def index_routes(app: FastAPI) -> None:
    """Dispatch through a `RouteIndex`; call once every route has been added."""
    app.router.middleware_stack = RouteIndex(app.router)


def parse_json_strictly(app: FastAPI) -> None:
    """Make every route that takes a JSON body parse it as strict JSON (`avatarium.strict_json`).

    FastAPI parses bodies with `request.json()`; the routes' handlers get a request whose
    `json()` is strict, and a refusal arrives as FastAPI's usual malformed-JSON error (400).
    """
    for route in app.router.routes:
        if isinstance(route, APIRoute) and not isinstance(route, LeanRoute) and route.body_field is not None:
            route.app = fastapi_request_response(_strict(route.get_route_handler()))


def _strict(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
    async def strict(request: Request) -> Response:
        response: Response = await handler(StrictJSONRequest(request.scope, request.receive))
        return response

    return strict
