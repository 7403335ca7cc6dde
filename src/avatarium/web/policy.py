"""Security headers of the pages and files served to browsers (`nosniff` is the middleware's, on every response)."""

from __future__ import annotations

from urllib.parse import urlsplit


def _socket_origin(http_origin: str) -> str:
    return http_origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


def content_security_policy(base: str, *, inline_styles: bool = False) -> str:
    """What our pages need, nothing more: scripts, styles and fonts from this origin only, no inline code.

    `base` is this server's public base URL. The pages talk to this origin's API and to its
    WebSocket: CSP Level 3 lets `'self'` cover `ws:`/`wss:` of the same host, older Safari does
    not, so the socket's origin is named too. `blob:` and `data:` are where three.js puts the
    textures embedded in a GLB, and where ReDoc runs its search worker. ReDoc (styled-components)
    writes `<style>` elements from its script: its page alone gets `inline_styles`; scripts stay
    same-origin files everywhere.
    """
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'" if inline_styles else "'self'",
        "img-src": "'self' data: blob:",
        "font-src": "'self'",
        "connect-src": f"'self' {origin} {_socket_origin(origin)} blob: data:",
        "media-src": "'self' blob:",
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def page_headers(base: str, *, inline_styles: bool = False) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(base, inline_styles=inline_styles),
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
    }


# The SDK and the widget are loaded by pages of other origins; module scripts are fetched with
# CORS, so these public, credential-free files say any origin may read them.
PUBLIC_FILE_HEADERS = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}
