from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import httpx
import pytest

from product_dashboard import migrate
from product_dashboard.config import Settings
from product_dashboard.main import create_app
from product_dashboard.monitoring.log_setup import LOG_FILE_NAME
from tests.fixtures.app import TEST_JWT_SECRET

pytestmark = pytest.mark.integration


async def _client_for(database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=database_url,
        jwt_secret=TEST_JWT_SECRET,
        log_dir=tmp_path / "logs",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_healthz_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_on_migrated_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["migration"] == migrate.head_revision() is not None


async def test_readyz_warns_when_the_store_answers_in_another_api_version(
    settings: Settings,
) -> None:
    app = create_app(
        settings.model_copy(
            update={
                "shopify_store_url": "http://127.0.0.1:9",
                "shopify_access_token": "shpat_x",
                "shopify_api_version": "2025-04",
            }
        )
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert "warnings" not in (await client.get("/readyz")).json()
            # What a client of the store's gateway records from a response's header.
            app.state.store_gateway.client().version_watch.record("2026-01")
            body = (await client.get("/readyz")).json()
    assert body["status"] == "ready"
    [warning] = body["warnings"]
    assert warning["kind"] == "shopify_api_version"
    assert (warning["asked"], warning["served"]) == ("2025-04", "2026-01")


async def test_readyz_is_503_on_unmigrated_database(tmp_path: Path) -> None:
    async for client in _client_for(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", tmp_path):
        response = await client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["error"] == "not_ready"
        assert "product-dashboard migrate" in body["detail"]
        assert body["checks"]["migration"] is None
        assert body["checks"]["head"] == migrate.head_revision()


async def test_readyz_is_503_when_database_unreachable(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://nobody@127.0.0.1:9/none"  # discard port: nothing listens
    async for client in _client_for(url, tmp_path):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "unreachable"}
        assert (await client.get("/healthz")).status_code == 200


async def test_metrics_endpoint_exposes_http_and_process_metrics(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    assert 'dashboard_http_requests_total{method="GET",route="/healthz",status="200"}' in body
    assert "dashboard_http_request_duration_seconds_bucket" in body
    assert "process_resident_memory_bytes" in body


async def test_access_log_line_carries_the_request_id(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "trace-abc-123"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "trace-abc-123"
    for handler in logging.getLogger().handlers:
        if isinstance(handler, RotatingFileHandler):
            handler.flush()
    text = (tmp_path / "logs" / LOG_FILE_NAME).read_text()
    access = [line for line in text.splitlines() if "product_dashboard.access" in line]
    assert any("[trace-abc-123]" in line and "GET /healthz 200" in line for line in access), text
