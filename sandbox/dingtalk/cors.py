"""CORS for the two control paths the H5 page's sandbox login uses, from loopback pages only.

The "My Interviews" page (served by the web app on another port) lists the demo users with
`GET /_sim/org` and gets a free-login code with `POST /_sim/auth-codes`. Nothing else under
/_sim/ is opened to other origins, and only pages served from this machine may ask.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

CORS_PATHS = frozenset({"/_sim/org", "/_sim/auth-codes"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def _allowed_origin(request: web.Request) -> str | None:
    origin = request.headers.get("Origin")
    if not origin or request.path not in CORS_PATHS:
        return None
    parts = urlsplit(origin)
    return (
        origin if parts.scheme in ("http", "https") and parts.hostname in LOOPBACK_HOSTS else None
    )


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    origin = _allowed_origin(request)
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"


async def preflight(request: web.Request) -> web.Response:
    return web.Response(status=204 if _allowed_origin(request) else 403)


def add_routes(app: web.Application) -> None:
    for path in sorted(CORS_PATHS):
        app.router.add_route("OPTIONS", path, preflight)
    app.on_response_prepare.append(_add_headers)
