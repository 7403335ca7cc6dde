"""A web site that embeds Avatarium, as a customer's would: its own origin, a strict CSP, and a backend
endpoint that creates conversations with its API key and hands the page a client token."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

HOST_SCRIPT = """
// Test host: starts an avatar as the query string says and records what the SDK reports.
const server = document.querySelector('meta[name=avatarium]').content;
const params = new URLSearchParams(location.search);
window.events = [];
const record = (name) => (payload) => window.events.push({ name, payload, at: performance.now() });

async function credentials(avatarId) {
  const response = await fetch('/token', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ avatarId }) });
  return response.json();
}

async function start(element, avatarId) {
  const { Avatarium } = await import(server + '/sdk/avatarium.js');
  let options;
  if (params.get('mode') === 'apikey') {
    options = { avatarId, apiKey: params.get('key') };
  } else {
    const { conversationId, clientToken } = await credentials(avatarId);
    const token = params.get('mode') === 'badtoken' ? 'not-a-token' : clientToken;
    options = { avatarId, conversationId, clientToken: token };
  }
  const avatar = new Avatarium(element, options);
  for (const name of ['ready', 'stateChanged', 'message', 'error', 'transcript']) avatar.on(name, record(name));
  return avatar;
}

const gallery = document.getElementById('gallery');
if (gallery) {
  window.avatars = [];
  for (const id of params.get('avatars').split(',')) {
    const cell = document.createElement('figure');
    cell.id = 'cell-' + id;
    const stage = document.createElement('div');
    stage.className = 'stage';
    const caption = document.createElement('figcaption');
    caption.textContent = id;
    cell.append(stage, caption);
    gallery.append(cell);
    window.avatars.push(await start(stage, id));
  }
} else {
  window.avatar = await start(document.getElementById('avatar'), params.get('avatarId') || 'kai');
}
"""

STYLE = """
body { margin: 0; font-family: sans-serif; background: #f4f1ea; }
#avatar { width: 480px; height: 480px; }
#gallery { display: grid; grid-template-columns: repeat(4, 240px); gap: 8px; padding: 8px; }
figure { margin: 0; background: #fff; border-radius: 8px; overflow: hidden; }
figure .stage { width: 240px; height: 240px; }
figcaption { text-align: center; padding: 4px; font-size: 14px; }
"""


def _page(server: str, body: str, scripts: str) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f'<meta name="avatarium" content="{server}"><link rel="stylesheet" href="/style.css">{scripts}'
        f"</head><body><h1>A shop that embeds an avatar</h1>{body}</body></html>"
    )


def make_site(server: str, api_key: str) -> FastAPI:
    """The embedding site; `server` is Avatarium's base URL, `api_key` the site's secret key."""
    app = FastAPI()
    netloc = urlsplit(server).netloc
    csp = (
        f"default-src 'self'; script-src 'self' {server}; style-src 'self' {server}; "
        f"connect-src 'self' {server} ws://{netloc} blob:; img-src 'self' blob: data:"
    )

    def html(text: str) -> HTMLResponse:
        return HTMLResponse(text, headers={"Content-Security-Policy": csp})

    @app.get("/sdk.html")
    async def sdk_page() -> HTMLResponse:
        return html(_page(server, '<div id="avatar"></div>', '<script type="module" src="/host.js"></script>'))

    @app.get("/gallery.html")
    async def gallery_page() -> HTMLResponse:
        return html(_page(server, '<div id="gallery"></div>', '<script type="module" src="/host.js"></script>'))

    @app.get("/widget.html")
    async def widget_page(request: Request) -> HTMLResponse:
        avatar = request.query_params.get("avatarId", "kai")
        tag = f'<div id="avatarium-widget" data-avatar-id="{avatar}" data-token-url="/token"></div>'
        # The page's own CSS is hostile on purpose: the widget's shadow root must not inherit it.
        return html(_page(server, tag + "<p>Welcome to our shop.</p>", f'<script src="{server}/widget.js"></script>'))

    @app.get("/host.js")
    async def host_script() -> Response:
        return Response(HOST_SCRIPT, media_type="text/javascript")

    @app.get("/style.css")
    async def style() -> Response:
        return Response(STYLE + " button, input, li { font-size: 40px !important; color: red; }", media_type="text/css")

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        body = json.loads(await request.body() or b"{}")
        async with httpx.AsyncClient() as client:
            created = await client.post(
                f"{server}/v1/conversations",
                json={"avatarId": body.get("avatarId") or "kai"},
                headers={"Authorization": f"Bearer {api_key}"},
            )
        data = created.json()["data"]
        return JSONResponse({"conversationId": data["id"], "clientToken": data["clientToken"]})

    return app
