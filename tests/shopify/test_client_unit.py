"""Client decisions on scripted answers (httpx.MockTransport): throttles, bad bodies, cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from product_dashboard.shopify import (
    BreakerState,
    CircuitBreaker,
    ConnectionDropped,
    CostPacer,
    HTTPStatusError,
    RetryPolicy,
    ShopifyClient,
    ThrottledError,
)

pytestmark = pytest.mark.quick

DOC = "{ shop { name } }"


def cost(
    requested: int, actual: int | None, available: float, rate: float = 1000
) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": 20 * rate,
                "currentlyAvailable": available,
                "restoreRate": rate,
            },
        }
    }


OK = {"data": {"shop": {"name": "S"}}, "extensions": cost(1, 1, 999)}
THROTTLED = {
    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
    "extensions": cost(60, None, 50),
}


def scripted(*answers: httpx.Response | Callable[[], Any]) -> tuple[httpx.AsyncClient, list[Any]]:
    seen: list[Any] = []
    queue = list(answers)

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(answer):
            result = answer()
            if asyncio.iscoroutine(result):
                result = await result
            assert isinstance(result, httpx.Response)
            return result
        return answer

    return httpx.AsyncClient(transport=httpx.MockTransport(handler)), seen


def make(http: httpx.AsyncClient, **kwargs: Any) -> ShopifyClient:
    return ShopifyClient(
        "shop.myshopify.com",
        "token",
        http=http,
        retry_policy=RetryPolicy(backoff_base=0.001, backoff_cap=0.002, **kwargs.pop("policy", {})),
        **kwargs,
    )


async def test_endpoint_and_headers() -> None:
    captured: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200, json=OK)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = ShopifyClient("shop.myshopify.com", "shpat_x", "2025-07", http=http)
        await client.execute(DOC, {"a": 1})
    request = captured[0]
    assert str(request.url) == "https://shop.myshopify.com/admin/api/2025-07/graphql.json"
    assert request.headers["X-Shopify-Access-Token"] == "shpat_x"
    assert json.loads(request.content) == {"query": DOC, "variables": {"a": 1}}


async def test_throttled_wait_is_requested_minus_available_over_restore_rate() -> None:
    http, _ = scripted(httpx.Response(200, json=THROTTLED))
    async with http:
        client = make(http, policy={"max_throttle_retries": 0})
        with pytest.raises(ThrottledError) as caught:
            await client.execute(DOC)
    assert caught.value.wait_seconds == pytest.approx((60 - 50) / 1000)
    assert caught.value.requested_cost == 60
    assert client.stats.throttled == 1


async def test_throttled_then_ok_with_pacer_reserves_shopify_figure() -> None:
    http, seen = scripted(httpx.Response(200, json=THROTTLED), httpx.Response(200, json=OK))
    pacer = CostPacer(safety_margin_seconds=0.0)
    async with http:
        client = make(http, pacer=pacer)
        response = await client.execute(DOC)
    assert response.data == {"shop": {"name": "S"}}
    assert len(seen) == 2 and client.stats.throttled == 1
    assert pacer.stats().waits == 1
    assert client.estimate(DOC) == 60  # Shopify said 60; our estimate was 1


async def test_http_429_waits_retry_after() -> None:
    http, seen = scripted(
        httpx.Response(429, headers={"Retry-After": "0.01"}), httpx.Response(200, json=OK)
    )
    async with http:
        client = make(http)
        await client.execute(DOC)
    assert len(seen) == 2 and client.stats.throttled == 1 and client.stats.retries == 0


async def test_truncated_body_is_a_dropped_connection_and_retried() -> None:
    http, seen = scripted(httpx.Response(200, content=b'{"data":'), httpx.Response(200, json=OK))
    async with http:
        client = make(http)
        await client.execute(DOC)
    assert len(seen) == 2 and client.stats.retries == 1


async def test_body_that_is_not_an_object_is_refused() -> None:
    http, _ = scripted(httpx.Response(200, content=b"[]"))
    async with http:
        with pytest.raises(ConnectionDropped):
            await make(http, max_retries=0).execute(DOC)


async def test_other_4xx_is_not_retried() -> None:
    http, seen = scripted(httpx.Response(400, json={"errors": "bad"}))
    async with http:
        client = make(http)
        with pytest.raises(HTTPStatusError) as caught:
            await client.execute(DOC)
    assert caught.value.status_code == 400 and len(seen) == 1


async def test_cancelled_call_frees_half_open_slot_and_reservation() -> None:
    never = asyncio.Event()

    async def hang() -> httpx.Response:
        await never.wait()
        raise AssertionError("unreachable")

    now = [0.0]
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=1.0, clock=lambda: now[0])
    breaker.record_failure()
    now[0] = 2.0
    assert breaker.state is BreakerState.HALF_OPEN
    pacer = CostPacer()
    http, _ = scripted(httpx.Response(200, json=OK))
    async with http:
        warm = make(http, pacer=pacer)
        await warm.execute(DOC)  # teaches the pacer the bucket
    http, _ = scripted(hang)
    async with http:
        client = make(http, pacer=pacer, breaker=breaker)
        task = asyncio.create_task(client.execute(DOC))
        await asyncio.sleep(0.01)
        assert pacer.stats().in_flight_points > 0
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert pacer.stats().in_flight_points == 0
    breaker.before_call()  # the trial slot was given back


async def test_cost_counters() -> None:
    http, _ = scripted(
        httpx.Response(200, json={"data": {"x": 1}, "extensions": cost(40, 12, 900)})
    )
    async with http:
        client = make(http)
        for _ in range(3):
            response = await client.execute(DOC)
    assert response.cost is not None and response.cost.actual_query_cost == 12
    assert client.stats.cost_requested == 120 and client.stats.cost_actual == 36
