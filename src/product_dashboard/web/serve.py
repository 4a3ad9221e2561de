"""Serve the dashboard: assets under `/static`, and `index.html` for every other page path.

The fallback is a GET route added last, so API routes keep precedence and wrong methods on them
still answer 405; paths under the API's own prefixes answer the JSON 404 instead of the page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from product_dashboard.exceptions import NotFound

STATIC_DIR = Path(__file__).parent / "static"
INDEX_FILE = STATIC_DIR / "index.html"

RESERVED_PREFIXES = (
    "api",
    "ws",
    "docs",
    "redoc",
    "openapi.json",
    "metrics",
    "healthz",
    "readyz",
    "webhooks",
    "static",
)

# Everything the page loads comes from this origin; descriptions may show merchant images.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob: https:",
        "connect-src 'self' ws: wss:",
        "frame-src 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def is_reserved(path: str) -> bool:
    """True when `path` (without the leading slash) belongs to the API, not to the page."""
    first = path.split("/", 1)[0]
    return first in RESERVED_PREFIXES


async def _page(request: Request, path: str = "") -> Response:
    if is_reserved(path):
        raise NotFound(f"No route for /{path}.")
    return FileResponse(INDEX_FILE, media_type="text/html", headers=PAGE_HEADERS)


def install_web(app: FastAPI) -> None:
    """Mount the dashboard; call after every other router so it never shadows them."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/", _page, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route(
        "/{path:path}", _page, methods=["GET", "HEAD"], include_in_schema=False, name="web_page"
    )
