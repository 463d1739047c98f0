"""The "My Interviews" H5 page: static files under /app/ and a small runtime config script.

The page is plain HTML, CSS and an ES module (no build step). `GET /app/config.js` tells it the
corpId and clientId for DingTalk free login and, in development and test only, the URL of the
local DingTalk sandbox so that it can offer a user picker instead of DingTalk's JSAPI.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, send_from_directory
from werkzeug.exceptions import NotFound

from config import Settings
from web_context import get_runtime

STATIC_DIR = Path(__file__).resolve().parent / "static" / "app"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# index.html and config.js change with each release or setting: revalidate every time. The
# other assets are small and revalidated after an hour (ETag / Last-Modified from send_file).
NO_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=3600"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}

bp = Blueprint("h5", __name__)


def sandbox_url(settings: Settings) -> str | None:
    """The local DingTalk sandbox's base URL when this process talks to one, else None."""
    if settings.is_production:
        return None
    base = settings.DINGTALK_API_BASE.rstrip("/")
    return base if urlsplit(base).hostname in LOOPBACK_HOSTS else None


def page_config(settings: Settings) -> dict[str, object]:
    """What the page needs to log in: DingTalk ids, the sandbox (development only), language."""
    return {
        "apiBase": "/api/v1",
        "corpId": settings.DINGTALK_CORP_ID or "",
        "clientId": settings.DINGTALK_APP_KEY or "",
        "sandboxUrl": sandbox_url(settings),
        "lang": settings.NOTIFY_LANGUAGE,
        # The rule of cards/links.py: http links only outside production (web/static/app/links.js).
        "allowHttpLinks": not settings.is_production,
    }


@bp.get("/app/config.js")
def config_js() -> Response:
    config = page_config(get_runtime().settings)
    body = "window.MI_CONFIG = " + json.dumps(config, ensure_ascii=False) + ";\n"
    response = Response(body, content_type=CONTENT_TYPES[".js"])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/app/")
@bp.get("/app/<path:filename>")
def static_file(filename: str = "index.html") -> Response:
    suffix = Path(filename).suffix
    if suffix not in CONTENT_TYPES:
        raise NotFound()
    response = send_from_directory(STATIC_DIR, filename, max_age=None, conditional=True)
    response.headers["Content-Type"] = CONTENT_TYPES[suffix]
    response.headers["Cache-Control"] = NO_CACHE if suffix == ".html" else ASSET_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if suffix == ".html":
        # Only our own files; DingTalk's JSAPI is the one outside script the page may load.
        response.headers["Content-Security-Policy"] = _csp(get_runtime().settings)
    return response


def _csp(settings: Settings) -> str:
    connect = ["'self'"]
    sandbox = sandbox_url(settings)
    if sandbox:
        connect.append(sandbox)
    return (
        "default-src 'self'; script-src 'self' https://g.alicdn.com; "
        f"connect-src {' '.join(connect)}; img-src 'self' data:; style-src 'self'; "
        "base-uri 'none'; frame-ancestors *"
    )
