"""The one-tag embed on a site with its own (hostile) CSS and a strict CSP."""

from __future__ import annotations

from tests.browser.conftest import POLL_MS, Server, Tab


def test_the_widget_renders_in_a_corner_and_talks(tab: Tab, server: Server) -> None:
    page = tab.page
    page.goto(f"{server.site}/widget.html?avatarId=pip")
    host = page.locator("#avatarium-widget")
    page.wait_for_function(
        "() => document.querySelector('#avatarium-widget').shadowRoot?.querySelector('canvas')", polling=POLL_MS
    )
    page.locator("#avatarium-widget .status").filter(has_text="Ready").wait_for()

    # In a corner, above the page, and untouched by the page's CSS (40px red buttons).
    box = host.bounding_box()
    assert box is not None and box["x"] + box["width"] > 900 and box["y"] + box["height"] > 600
    styles = page.evaluate(
        "() => { const b = document.querySelector('#avatarium-widget').shadowRoot.querySelector('button.send');"
        " const s = getComputedStyle(b); return [s.fontSize, s.color]; }"
    )
    assert styles[0] != "40px" and styles[1] != "rgb(255, 0, 0)"

    field = host.get_by_label("Message")
    field.fill("What do you sell?")
    field.press("Enter")
    assistant = host.locator(".transcript li.assistant")
    assistant.first.wait_for()
    assert assistant.first.inner_text().startswith("You said: What do you sell?")
    assert host.locator(".transcript li.user").first.inner_text() == "What do you sell?"
    page.wait_for_function("() => window.audioStarts.length > 0", polling=POLL_MS)
    tab.shot("widget")
    assert tab.errors == [], tab.errors
