"""The browser side over HTTP: pages, static files, caching, security headers, the landing negotiation."""

from __future__ import annotations

import gzip
import re

import httpx
import pytest
from fastapi import FastAPI

from avatarium.web import assets
from avatarium.web.routes import PAGES, wants_html

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


async def test_the_sdk_is_a_javascript_module_any_origin_may_load(client: httpx.AsyncClient) -> None:
    response = await client.get("/sdk/avatarium.js", headers={"Origin": "https://shop.example"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "export class Avatarium" in response.text and "export default Avatarium" in response.text
    assert response.headers["cache-control"] == "no-cache" and response.headers["etag"].startswith('"')


@pytest.mark.parametrize("path", ["/widget.js", "/widget.css", "/site.css", "/sdk/pcm-worklet.js", "/favicon.svg"])
async def test_static_files_have_their_types(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    expected = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}[path.rsplit(".", 1)[1]]
    assert response.headers["content-type"].startswith(expected)


async def test_an_unchanged_file_is_a_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/sdk/avatarium.js")
    etag = first.headers["etag"]
    again = await client.get("/sdk/avatarium.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    listed = await client.get("/sdk/avatarium.js", headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304
    # Tags match whole, not as substrings.
    partial = await client.get("/sdk/avatarium.js", headers={"If-None-Match": etag[:-5] + '"'})
    assert partial.status_code == 200


async def test_vendored_libraries_are_cached_for_a_year_under_their_version(client: httpx.AsyncClient) -> None:
    sdk = (await client.get("/sdk/three.js")).text
    module = re.search(r"'\./(vendor/three-[\d.]+/three\.module\.min\.js)'", sdk)
    assert module is not None
    response = await client.get("/sdk/" + module.group(1))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    licence = await client.get("/sdk/" + module.group(1).replace("three.module.min.js", "LICENSE"))
    assert licence.status_code == 200 and "MIT" in licence.text


async def test_large_files_are_sent_gzipped_to_clients_that_take_it(client: httpx.AsyncClient) -> None:
    plain = await client.get("/widget.js", headers={"Accept-Encoding": "identity"})
    zipped = await client.get("/widget.js", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.content == plain.content  # httpx decodes it
    raw = assets.load()["widget.js"]
    assert raw.gzipped is not None and gzip.decompress(raw.gzipped) == raw.body


@pytest.mark.parametrize("path", ["/", "/playground", "/docs", "/redoc"])
async def test_pages_are_html_under_a_strict_policy(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert "ws://testserver" in csp["connect-src"]
    assert csp["style-src"] == ("'self' 'unsafe-inline'" if path == "/redoc" else "'self'")
    assert response.headers["x-content-type-options"] == "nosniff"
    # No inline script or style for the policy to allow.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert "<style" not in response.text and " style=" not in response.text


async def test_every_file_a_page_links_is_served(client: httpx.AsyncClient) -> None:
    for path in ["/", *PAGES]:
        page = (await client.get(path, headers={"Accept": "text/html"})).text
        for link in re.findall(r'(?:src|href)="([^"#:]+)"', page):
            url = "/" + link if not link.startswith("/") else link
            response = await client.get(url, headers={"Accept": "text/html"})
            assert response.status_code == 200, (path, link)


async def test_the_root_is_still_a_json_404_for_api_clients(client: httpx.AsyncClient) -> None:
    for headers in ({"Accept": "application/json"}, {}, {"Accept": "*/*"}):
        response = await client.get("/", headers=headers)
        assert response.status_code == 404
        body = response.json()
        assert body["error"]["code"] == "NOT_FOUND" and body["meta"]["requestId"] == response.headers["x-request-id"]
    posted = await client.post("/", json={}, headers={"Accept": BROWSER_ACCEPT})
    assert posted.status_code == 404


def test_html_is_chosen_only_when_preferred() -> None:
    assert wants_html(BROWSER_ACCEPT)
    assert not wants_html("application/json")
    assert not wants_html("*/*")
    assert not wants_html("application/json, text/html;q=0.5")
    assert wants_html("text/html, application/json;q=0.9")
    assert not wants_html("text/html;q=0")
    assert not wants_html("text/html;q=oops")


async def test_browser_routes_are_not_rate_limited_nor_in_the_schema(client: httpx.AsyncClient, app: FastAPI) -> None:
    limit = app.state.avatarium.settings.anonymous_rate_limit
    for _ in range(limit + 5):
        response = await client.get("/sdk/avatarium.js")
        assert response.status_code == 200 and "x-ratelimit-limit" not in response.headers
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [p for p in paths if p.startswith(("/sdk", "/widget", "/playground", "/docs", "/redoc")) or p == "/"]


async def test_head_and_unknown_files(client: httpx.AsyncClient) -> None:
    head = await client.head("/sdk/avatarium.js")
    assert head.status_code == 200 and head.content == b""
    missing = await client.get("/sdk/nothing.js")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    traversal = await client.get("/sdk/../pyproject.toml")
    assert traversal.status_code == 404
    declarations = await client.get("/sdk/three.d.ts")
    assert declarations.status_code == 404  # type declarations are for checking the sources only
