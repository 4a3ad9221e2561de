"""The dashboard's page and assets are served at `/` without shadowing any API route."""

from __future__ import annotations

import httpx
import pytest

from product_dashboard.web import RESERVED_PREFIXES
from product_dashboard.web.serve import is_reserved

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/", "/products", "/products/12", "/collections/3", "/sync"])
async def test_page_paths_answer_the_app_shell(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/main.js">' in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


async def test_assets_are_served_with_their_types(client: httpx.AsyncClient) -> None:
    script = await client.get("/static/js/main.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    style = await client.get("/static/css/app.css")
    assert style.headers["content-type"].startswith("text/css")
    assert (await client.get("/static/js/nope.js")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/no-such-thing", 404),
        ("GET", "/api/products", 401),
        ("PATCH", "/api/products/1", 405),
        ("GET", "/webhooks/anything", 404),
        ("GET", "/healthz", 200),
        ("GET", "/openapi.json", 200),
    ],
)
async def test_api_paths_are_never_the_page(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.quick
def test_reserved_prefixes() -> None:
    assert {"api", "ws", "docs", "openapi.json", "metrics", "healthz", "readyz", "webhooks"} <= set(
        RESERVED_PREFIXES
    )
    assert is_reserved("api/products") and is_reserved("metrics")
    assert not is_reserved("products/3") and not is_reserved("apis") and not is_reserved("")
