"""The route index picks what Starlette's linear search would; lean endpoints stay documented."""

from __future__ import annotations

import itertools
import re

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import BaseRoute, Match, Route, WebSocketRoute

from avatarium.routing import RouteIndex, lean_get
from tests.conftest import Account


def _scope(path: str, method: str, kind: str, root: str) -> dict[str, object]:
    return {"type": kind, "path": root + path, "root_path": root, "method": method, "headers": [], "query_string": b""}


def _linear(routes: list[BaseRoute], scope: dict[str, object]) -> BaseRoute | None:
    return next((route for route in routes if route.matches(scope)[0] is Match.FULL), None)


def test_the_index_finds_the_route_a_linear_search_finds(app: FastAPI) -> None:
    index = RouteIndex(app.router)
    checked = 0
    for route in app.router.routes:
        if not isinstance(route, Route | WebSocketRoute):
            continue
        concrete = re.sub(r"\{[^}]+\}", "x", route.path_format)
        is_socket = isinstance(route, WebSocketRoute)
        kind, methods = ("websocket", [""]) if is_socket else ("http", sorted(getattr(route, "methods", None) or []))
        for path in (concrete, concrete + "/", concrete + "/extra", concrete.rstrip("/x") or "/"):
            for method, root in itertools.product([*methods, "PATCH"], ["", "/behind-a-proxy"]):
                scope = _scope(path, method, kind, root)
                found = index.find(scope)
                assert (found[0] if found else None) is _linear(app.router.routes, scope), (path, method, root)
                checked += 1
    assert checked > 100


def test_a_lean_endpoint_takes_the_request_only() -> None:
    async def endpoint(request: object, extra: int) -> None:
        return None

    with pytest.raises(TypeError, match="request only"):
        lean_get(FastAPI().router, "/x", caller=endpoint)(endpoint)


async def test_lean_endpoints_document_their_parameters(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    avatars = {p["name"]: p for p in paths["/v1/avatars"]["get"]["parameters"]}
    assert avatars["style"]["in"] == "query" and not avatars["style"]["required"]
    conversation = paths["/v1/conversations/{conversation_id}"]["get"]["parameters"]
    assert conversation == [
        {
            "name": "conversation_id",
            "in": "path",
            "required": True,
            "description": "The conversation's id",
            "schema": {"type": "string"},
        }
    ]


async def test_lean_endpoints_answer_errors_in_the_envelope(client: httpx.AsyncClient, account: Account) -> None:
    unauthorized = await client.get("/v1/conversations/abc")
    assert unauthorized.status_code == 401 and unauthorized.json()["error"]["code"] == "UNAUTHORIZED"
    missing = await client.get("/v1/conversations/not-a-uuid", headers=account.key_headers)
    assert missing.status_code == 404 and missing.headers["X-RateLimit-Limit"]
    filtered = (await client.get("/v1/avatars", params={"style": "no such style"})).json()
    assert filtered["data"] == [] and filtered["meta"]["requestId"]


async def test_the_index_is_what_serves_requests(app: FastAPI, client: httpx.AsyncClient) -> None:
    """It is installed where Starlette's router looks (`middleware_stack`); if Starlette stopped
    looking there, HEAD on a GET route would fall back to the router's 405 and this would fail."""
    assert isinstance(app.router.middleware_stack, RouteIndex)
    head = await client.head("/v1/personas")
    assert head.status_code == 200 and head.content == b""
