"""The playground: catalogues before signing in, a key, a conversation, metrics, errors shown."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.db.migrate import upgrade
from testkit.fakes.server import serve
from tests.browser.conftest import POLL_MS, Server, Tab, outside_loop
from tests.conftest import make_providers


def test_the_playground_shows_catalogues_and_holds_a_turn(tab: Tab, server: Server) -> None:
    page = tab.page
    page.goto(f"{server.url}/playground")
    avatars = httpx.get(f"{server.url}/v1/avatars").json()["data"]
    avatar_options = page.locator("#avatar option")
    page.wait_for_function(
        "(n) => document.querySelectorAll('#avatar option').length === n", arg=len(avatars), polling=POLL_MS
    )
    assert page.locator("#persona option").count() > 1
    assert page.locator("#voice option").count() > 1
    assert page.locator("#model option").count() > 1
    assert avatar_options.count() == len(avatars)
    assert page.get_by_role("button", name="Start conversation").is_disabled()

    page.get_by_label("…or paste an API key").fill(server.key)
    page.get_by_role("button", name="Use this key").click()
    page.get_by_label("Avatar").select_option("kai")
    page.get_by_role("button", name="Start conversation").click()
    page.locator("#state").filter(has_text="Idle").wait_for()
    greeting = page.locator("#transcript li.assistant").first
    greeting.wait_for()  # the persona's greeting, from the conversation's history

    page.get_by_label("Message").fill("How do I add fractions?")
    page.keyboard.press("Enter")
    page.locator("#state").filter(has_text="Speaking").wait_for()
    page.locator("#transcript li.assistant .metrics").first.wait_for()
    tab.shot("playground-conversation", full_page=True)
    metrics = page.locator("#transcript li.assistant .metrics").first.inner_text()
    assert "ttft" in metrics and "ttfa" in metrics
    page.locator("#state").filter(has_text="Idle").wait_for()
    # Voice input is optional: a server without it answers 404 there, which the browser logs.
    unexpected = [e for e in tab.errors if "/v1/stt/models" not in e]
    assert unexpected == [], unexpected
    tab.shot("playground-conversation-end", full_page=True)


def test_the_playground_explains_a_refusal(tab: Tab, server: Server) -> None:
    page = tab.page
    page.goto(f"{server.url}/playground")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    notice = page.locator("#notice")
    notice.wait_for()
    assert "password" in notice.inner_text().lower() or "invalid" in notice.inner_text().lower()


def test_the_playground_is_usable_on_a_phone(tab: Tab, server: Server) -> None:
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.url}/playground")
    page.wait_for_function("() => document.querySelectorAll('#avatar option').length > 0", polling=POLL_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways
    for control in ("#message", "#avatar", "#email", "#apikey"):
        assert page.locator(control).bounding_box() is not None
    tab.shot("playground-phone", full_page=True)


def test_an_upload_the_server_refuses_shows_its_message(tab: Tab, server: Server) -> None:
    """Whatever the server says of a broken model file (a 400 naming the problem, or a refusal of the
    route itself on a server without custom avatars), the playground shows the API's own message."""
    junk = b"this is not a glTF binary"
    expected = server.api("POST", "/v1/avatars", files={"model": ("junk.glb", junk)}, data={"name": "Junk"})
    assert expected.status_code >= 400
    page = tab.page
    page.goto(f"{server.url}/playground")
    page.get_by_label("…or paste an API key").fill(server.key)
    page.get_by_role("button", name="Use this key").click()
    page.get_by_text("Upload your own avatar").click()
    page.get_by_label("Model (.glb or .vrm, at most 25 MB)").set_input_files(
        {"name": "junk.glb", "mimeType": "model/gltf-binary", "buffer": junk}
    )
    page.get_by_label("Name").fill("Junk")
    page.get_by_role("button", name="Upload").click()
    result = page.locator("#upload-result")
    result.filter(has_text=expected.json()["error"]["message"]).wait_for()


def test_a_rate_limited_visitor_is_told_what_to_do(tab: Tab, tmp_path: Path) -> None:
    """Anonymous visitors share their address's limit: past it, the playground says how long to wait."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'limited.db'}"
    outside_loop(lambda: upgrade(database))
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database, jwt_secret="limited-" + "x" * 32, anonymous_rate_limit=3
    )
    with serve(create_app(settings, make_providers())) as url:
        tab.page.goto(f"{url}/playground")  # four public catalogues: the fourth is refused
        notice = tab.page.locator("#notice")
        notice.wait_for()
        text = notice.inner_text()
    assert re.search(r"Too many requests: wait \d+ s and try again", text), text
    assert "sign in" in text
