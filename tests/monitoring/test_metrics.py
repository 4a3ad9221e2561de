from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from product_dashboard.monitoring import metrics
from product_dashboard.monitoring.middleware import ObservabilityMiddleware

pytestmark = pytest.mark.quick


def _sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def tiny_client() -> AsyncIterator[httpx.AsyncClient]:
    """A two-route app behind the middleware, so labels can be checked exactly."""
    app = FastAPI()
    app.add_middleware(ObservabilityMiddleware)

    @app.get("/things/{thing_id}")
    async def get_thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    inner = APIRouter(prefix="/inner")

    @inner.get("/{part_id}")
    async def get_part(part_id: int) -> dict[str, int]:
        return {"id": part_id}

    outer = APIRouter(prefix="/api")
    outer.include_router(inner, prefix="/sub")
    app.include_router(outer, prefix="/v1")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaput")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_requests_are_labelled_by_route_template(tiny_client: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": "/things/{thing_id}", "status": "200"}
    before = _sample("dashboard_http_requests_total", **labels)
    count_before = _sample(
        "dashboard_http_request_duration_seconds_count", method="GET", route="/things/{thing_id}"
    )
    for thing in (1, 2, 3):
        assert (await tiny_client.get(f"/things/{thing}")).status_code == 200
    assert _sample("dashboard_http_requests_total", **labels) == before + 3
    assert (
        _sample(
            "dashboard_http_request_duration_seconds_count",
            method="GET",
            route="/things/{thing_id}",
        )
        == count_before + 3
    )
    assert _sample("dashboard_http_requests_total", method="GET", route="/things/1") == 0
    assert _sample("dashboard_http_requests_in_progress", method="GET") == 0


async def test_included_router_prefixes_are_part_of_the_template(
    tiny_client: httpx.AsyncClient,
) -> None:
    labels = {"method": "GET", "route": "/v1/api/sub/inner/{part_id}", "status": "200"}
    before = _sample("dashboard_http_requests_total", **labels)
    assert (await tiny_client.get("/v1/api/sub/inner/7")).status_code == 200
    assert _sample("dashboard_http_requests_total", **labels) == before + 1


async def test_unmatched_paths_share_one_label(tiny_client: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": metrics.UNMATCHED_ROUTE, "status": "404"}
    before = _sample("dashboard_http_requests_total", **labels)
    await tiny_client.get("/no/such/page-1")
    await tiny_client.get("/no/such/page-2")
    assert _sample("dashboard_http_requests_total", **labels) == before + 2


async def test_unusual_methods_share_one_label(tiny_client: httpx.AsyncClient) -> None:
    before = _sample(
        "dashboard_http_requests_total", method="OTHER", route="/things/{thing_id}", status="405"
    )
    await tiny_client.request("BREW", "/things/1")
    await tiny_client.request("PROPFIND", "/things/1")
    after = _sample(
        "dashboard_http_requests_total", method="OTHER", route="/things/{thing_id}", status="405"
    )
    assert after == before + 2
    assert (
        _sample(
            "dashboard_http_requests_total", method="BREW", route="/things/{thing_id}", status="405"
        )
        == 0
    )


async def test_unhandled_exceptions_count_as_errors(tiny_client: httpx.AsyncClient) -> None:
    before = _sample("dashboard_http_request_errors_total", method="GET", route="/boom")
    response = await tiny_client.get("/boom")
    assert response.status_code == 500
    assert _sample("dashboard_http_request_errors_total", method="GET", route="/boom") == before + 1
    assert _sample("dashboard_http_requests_total", method="GET", route="/boom", status="500") >= 1


def test_job_transitions_count_and_track_running() -> None:
    job_type = "metrics-test-job"
    metrics.observe_job_transition(job_type, "queued")
    metrics.observe_job_transition(job_type, "running", "queued")
    metrics.observe_job_transition(job_type, "running", "queued")
    assert _sample("dashboard_jobs_running", type=job_type) == 2
    metrics.observe_job_transition(job_type, "completed", "running")
    metrics.observe_job_transition(job_type, "failed", "running")
    assert _sample("dashboard_jobs_running", type=job_type) == 0
    assert _sample("dashboard_jobs_total", type=job_type, state="running") == 2
    assert _sample("dashboard_jobs_total", type=job_type, state="failed") == 1
