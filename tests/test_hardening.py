"""The lesser findings of the security audit (#19, finding 10), each with its regression test."""

from __future__ import annotations

import httpx
import pytest

from product_dashboard.cli import server_options
from product_dashboard.config import Settings

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("trace-abc.123:x_y", True),
        ("evil\r\nX-Injected: 1", False),
        ("<script>alert(1)</script>", False),
        ("line one\nforged log line", False),
        ("a" * 65, False),
    ],
)
async def test_request_ids_are_kept_only_in_a_safe_alphabet(
    client: httpx.AsyncClient, given: str, kept: bool
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": given.encode("latin-1")})
    echoed = response.headers["x-request-id"]
    assert (echoed == given) is kept
    if not kept:
        assert len(echoed) == 32 and echoed.isalnum()


async def test_security_headers_on_every_kind_of_answer(
    client: httpx.AsyncClient, viewer_headers: dict[str, str]
) -> None:
    answers = {
        "api": await client.get("/api/auth/me", headers=viewer_headers),
        "api error": await client.get("/api/products/999999", headers=viewer_headers),
        "anonymous": await client.get("/api/products"),
        "health": await client.get("/healthz"),
        "page": await client.get("/"),
        "asset": await client.get("/docs/assets/swagger-ui.css"),
    }
    for name, response in answers.items():
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["x-frame-options"] == "DENY", name
    for name in ("api", "api error", "anonymous", "health"):
        assert answers[name].headers["cache-control"] == "no-store", name
    assert answers["page"].headers["cache-control"] == "no-cache"  # the page's own choice


async def test_api_docs_load_nothing_from_the_internet(client: httpx.AsyncClient) -> None:
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = (await client.get(page)).text
        assert f"/docs/assets/{asset}" in html
        assert "cdn." not in html and "fonts.googleapis" not in html
        script = await client.get(f"/docs/assets/{asset}")
        assert script.status_code == 200 and len(script.content) > 100_000


async def test_metrics_answer_this_machine_only_without_a_token(
    app: object, settings: Settings
) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    local = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    remote = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=local, base_url="http://t") as client:
        assert (await client.get("/metrics")).status_code == 200
    async with httpx.AsyncClient(transport=remote, base_url="http://t") as client:
        response = await client.get("/metrics")
        assert response.status_code == 403 and "METRICS_TOKEN" in response.json()["detail"]

    app.state.settings = settings.model_copy(update={"metrics_token": "scrape-" + "s" * 30})
    async with httpx.AsyncClient(transport=remote, base_url="http://t") as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await client.get("/metrics", headers=wrong)).status_code == 401
        right = {"Authorization": "Bearer scrape-" + "s" * 30}
        assert (await client.get("/metrics", headers=right)).status_code == 200


def test_forwarded_headers_are_believed_only_from_configured_proxies(settings: Settings) -> None:
    options = server_options(settings, host="127.0.0.1", port=5000, reload=False)
    assert options["proxy_headers"] is False  # uvicorn would otherwise believe 127.0.0.1
    behind = settings.model_copy(update={"trusted_proxies": ["10.0.0.5", "10.0.0.6"]})
    options = server_options(behind, host="0.0.0.0", port=5000, reload=False)
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"
    assert options["ws_max_size"] <= 64 * 1024
