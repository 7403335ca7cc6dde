"""The landing page, the API docs offline, and every preset avatar drawn (a gallery for the README)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.browser.conftest import POLL_MS, SCREENSHOTS, Server, Tab


def only_loopback(tab: Tab) -> None:
    hosts = {urlsplit(url).hostname for url in tab.requests if urlsplit(url).scheme in ("http", "https", "ws")}
    assert hosts <= {"127.0.0.1"}, hosts


def test_the_landing_page_links_the_ways_in(tab: Tab, server: Server) -> None:
    tab.page.goto(server.url + "/")
    assert tab.page.title() == "Avatarium"
    for name in ("Playground", "API reference", "Browser SDK"):
        assert tab.page.get_by_role("link", name=name).first.is_visible()
    tab.page.get_by_role("link", name="Playground").click()
    tab.page.wait_for_url("**/playground")
    assert tab.errors == [], tab.errors


def test_swagger_ui_works_offline(tab: Tab, server: Server) -> None:
    tab.page.goto(server.url + "/docs")
    tab.page.get_by_role("heading", name="Avatarium API").first.wait_for()
    tab.page.locator(".opblock").first.wait_for()
    assert tab.page.locator(".opblock").count() > 20
    tab.shot("docs-swagger")
    assert tab.errors == [], tab.errors
    only_loopback(tab)


def test_redoc_works_offline(tab: Tab, server: Server) -> None:
    tab.page.goto(server.url + "/redoc")
    tab.page.get_by_role("heading", name="Avatarium API").first.wait_for()
    tab.page.locator("h2", has_text="List the avatar presets").first.wait_for()
    tab.shot("docs-redoc")
    # ReDoc's sidebar always shows its maker's logo from a CDN: the CSP blocks that request (nothing
    # leaves the machine) and ReDoc hides the image when it fails.
    unexpected = [e for e in tab.errors if "cdn.redoc.ly/redoc/logo-mini.svg" not in e]
    assert unexpected == [], unexpected
    only_loopback(tab)


def test_every_preset_avatar_renders(tab: Tab, server: Server) -> None:
    avatars = [a["id"] for a in httpx.get(f"{server.url}/v1/avatars").json()["data"]]
    tab.page.set_viewport_size({"width": 1000, "height": 540})
    tab.page.goto(f"{server.site}/gallery.html?avatars={','.join(avatars)}")
    tab.page.wait_for_function(
        "(n) => (window.events || []).filter(e => e.name === 'ready').length === n", arg=len(avatars), polling=POLL_MS
    )
    drawn = tab.page.evaluate(
        "() => window.avatars.map(a => { let n = 0; a.scene.traverse(o => { if (o.morphTargetDictionary &&"
        " Object.keys(o.morphTargetDictionary).some(k => k.startsWith('viseme_'))) n += 1; }); return n; })"
    )
    assert all(count >= 1 for count in drawn)  # each has a face with viseme morph targets
    for avatar in avatars:
        tab.page.locator(f"#cell-{avatar}").screenshot(path=str(SCREENSHOTS / f"preset-{avatar}.png"))
    tab.shot("presets")
    assert tab.errors == [], tab.errors
