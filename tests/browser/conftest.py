"""Real Chromium (Debian's) against a real Avatarium server on a loopback port, and an embedding site.

The server runs the scripted LLM (deterministic replies) and the real embedded Piper voice, so that
every turn has real audio with real viseme timings. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.db.migrate import upgrade
from testkit.chromium import CHROMIUM
from testkit.chromium import FLAGS as CHROMIUM_FLAGS
from testkit.fakes.llm import ScriptedLLM
from testkit.fakes.server import free_port, serve
from tests.browser.site import make_site
from tests.conftest import make_providers, set_tier_elsewhere

FLAGS = [*CHROMIUM_FLAGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
# Waits poll on a timer: polling on animation frames starves while software WebGL keeps the page busy.
POLL_MS = 50
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# Records every audio source started, so that tests see audio really start (and stop starting).
# AudioBufferSourceNode declares its own start(when, offset, duration): both prototypes are wrapped.
AUDIO_PROBE = """
window.audioStarts = [];
for (const type of [AudioScheduledSourceNode, AudioBufferSourceNode]) {
  const start = type.prototype.start;
  type.prototype.start = function (when, ...rest) {
    const duration = this.buffer ? this.buffer.duration : 0;
    if (duration > 0.01) window.audioStarts.push({ when: when || 0, at: performance.now(), duration });
    return start.call(this, when, ...rest);
  };
}
"""


@dataclass
class Server:
    url: str
    key: str
    site: str
    llm: ScriptedLLM

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)


def outside_loop(work: Callable[[], object]) -> None:
    """Playwright's sync API runs an event loop on this thread; asyncio.run needs a thread without one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(work).result()


def _account(url: str, database: str) -> str:
    """The embedding site's account, on a tier whose limit no test reaches; its API key."""
    email = f"site-{uuid.uuid4().hex[:8]}@example.com"
    registered = httpx.post(f"{url}/v1/auth/register", json={"email": email, "password": "correct horse"})
    jwt = registered.json()["data"]["token"]
    created = httpx.post(f"{url}/v1/api-keys", json={"name": "site"}, headers={"Authorization": f"Bearer {jwt}"})
    outside_loop(lambda: asyncio.run(set_tier_elsewhere(database, email, "enterprise", 100_000)))
    return str(created.json()["data"]["key"])


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the suite (loading the voice takes seconds); tests use conversations of their own."""
    folder = tmp_path_factory.mktemp("browser")
    database = f"sqlite+aiosqlite:///{folder / 'avatarium.db'}"
    outside_loop(lambda: upgrade(database))
    site_port = free_port()
    site_origin = f"http://127.0.0.1:{site_port}"
    settings = Settings(
        data_dir=folder / "data",
        database_url=database,
        jwt_secret="browser-secret-" + "x" * 32,
        cors_origins=[site_origin],
        anonymous_rate_limit=100_000,  # every page load reads public catalogues from 127.0.0.1
    )
    llm = ScriptedLLM()
    with serve(create_app(settings, make_providers(llm))) as url:
        key = _account(url, database)
        with serve(make_site(url, key), port=site_port) as site:
            yield Server(url, key, site, llm)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium (make test does)"
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield chromium
    chromium.close()


@dataclass
class Tab:
    page: Page
    errors: list[str]  # console errors, uncaught exceptions
    requests: list[str]  # URLs that got an answer

    def events(self, name: str | None = None) -> list[Any]:
        events: list[Any] = self.page.evaluate("window.events || []")
        return [e for e in events if name is None or e["name"] == name]

    def states(self) -> list[str]:
        return [e["payload"] for e in self.events("stateChanged")]

    def shot(self, name: str, **kwargs: Any) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), **kwargs)
        return path


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1000, "height": 720})
    context.add_init_script(AUDIO_PROBE)
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} at {message.location.get('url', '')}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfinished", lambda request: requests.append(request.url))  # sent and answered (not CSP-blocked)
    page.set_default_timeout(30_000)
    yield Tab(page, errors, requests)
    context.close()
