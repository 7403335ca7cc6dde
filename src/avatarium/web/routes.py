"""Routes of the browser side: pages, static files and the landing page. Not under /v1, not rate limited,
not in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException

from avatarium.envelope import public_base
from avatarium.http_cache import etag_matches
from avatarium.web import assets
from avatarium.web.policy import PUBLIC_FILE_HEADERS, page_headers

Endpoint = Callable[[Request], Awaitable[Response]]

# Page URL → its file under static/, and whether its CSP allows inline styles (ReDoc writes them).
PAGES: dict[str, tuple[str, bool]] = {
    "/playground": ("playground/index.html", False),
    "/docs": ("docs/swagger.html", False),
    "/redoc": ("docs/redoc.html", True),
}
LANDING = "index.html"
_EVERY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _quality(accept: str, media: str) -> float:
    """The q-value the Accept header gives one exact media type (0 when not listed)."""
    for item in accept.split(","):
        name, *params = (part.strip() for part in item.split(";"))
        if name.lower() == media:
            for param in params:
                key, _, value = param.partition("=")
                if key.strip() == "q":
                    try:
                        return float(value)
                    except ValueError:
                        return 0.0
            return 1.0
    return 0.0


def wants_html(accept: str) -> bool:
    """Browsers name text/html; API clients name JSON or nothing (`*/*`) and keep getting JSON."""
    html = _quality(accept, "text/html")
    return html > 0 and html >= _quality(accept, "application/json")


def _serve(request: Request, asset: assets.Asset, headers: dict[str, str]) -> Response:
    headers = {**headers, "ETag": asset.etag, "Cache-Control": asset.cache_control}
    if asset.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if etag_matches(request.headers.get("if-none-match"), asset.etag):
        return Response(status_code=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = asset.gzipped, "gzip"
    return Response(body, media_type=asset.content_type, headers=headers)


def _file(asset: assets.Asset) -> Endpoint:
    async def serve_file(request: Request) -> Response:
        return _serve(request, asset, PUBLIC_FILE_HEADERS)

    return serve_file


def _page(asset: assets.Asset, inline_styles: bool) -> Endpoint:
    async def serve_page(request: Request) -> Response:
        base = public_base(request.app.state.avatarium.settings.public_url, request.scope)
        return _serve(request, asset, page_headers(base, inline_styles=inline_styles))

    return serve_page


def _landing(asset: assets.Asset) -> Endpoint:
    page = _page(asset, inline_styles=False)

    async def landing(request: Request) -> Response:
        if request.method in ("GET", "HEAD") and wants_html(request.headers.get("accept", "")):
            return await page(request)
        raise HTTPException(404)  # what every other client got here before: the JSON envelope

    return landing


def install(app: FastAPI) -> None:
    """Add the browser routes; FastAPI's own /docs and /redoc (CDN-hosted) must be switched off."""
    files = assets.load()
    for path, asset in files.items():
        if not path.endswith(".html"):
            app.add_route("/" + path, _file(asset), methods=["GET", "HEAD"], include_in_schema=False)
    for url, (path, inline_styles) in PAGES.items():
        app.add_route(url, _page(files[path], inline_styles), methods=["GET", "HEAD"], include_in_schema=False)
    # Every method, so that non-browser clients see exactly the 404 this path gave before it had a page.
    app.add_route("/", _landing(files[LANDING]), methods=list(_EVERY_METHOD), include_in_schema=False)
