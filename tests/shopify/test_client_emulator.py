"""The transport against the emulator over loopback HTTP: errors, retries, throttling, breaker."""

from __future__ import annotations

import asyncio
import logging
import random

import httpx
import pytest

from product_dashboard.shopify import (
    PRODUCTS_PAGE,
    SHOP,
    AuthenticationError,
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    ConnectionDropped,
    CostPacer,
    GraphQLError,
    MaxCostExceeded,
    NotFoundError,
    RequestTimeout,
    RetryPolicy,
    ServerError,
    ShopifyClient,
)
from tests.shopify.conftest import EMULATOR_TOKEN, EmulatorKnobs

pytestmark = pytest.mark.integration

FAST_RETRIES = RetryPolicy(backoff_base=0.01, backoff_cap=0.05)
PAGE_OF_IDS = "query($n: Int!) { products(first: $n) { nodes { id } } }"


def client_for(emulator: EmulatorKnobs, **kwargs: object) -> ShopifyClient:
    settings: dict[str, object] = {"retry_policy": FAST_RETRIES, "rng": random.Random(1)}
    settings.update(kwargs)
    return ShopifyClient(emulator.base_url, EMULATOR_TOKEN, **settings)  # type: ignore[arg-type]


async def test_execute_returns_data_and_parsed_cost(emulator: EmulatorKnobs) -> None:
    async with client_for(emulator) as client:
        response = await client.execute(SHOP)
    assert response.data["shop"]["myshopifyDomain"].endswith(".myshopify.com")
    assert response.cost is not None and response.cost.throttle_status is not None
    assert response.cost.throttle_status.restore_rate == 100
    assert response.cost.actual_query_cost is not None
    assert client.stats.requests == client.stats.successes == 1
    assert client.stats.cost_actual == response.cost.actual_query_cost
    assert client.stats.latency_ewma is not None and sum(client.stats.latency_buckets) == 1


async def test_wrong_token_is_an_authentication_error_not_retried(
    emulator: EmulatorKnobs,
) -> None:
    async with ShopifyClient(emulator.base_url, "shpat_wrong", retry_policy=FAST_RETRIES) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.execute(SHOP)
    assert caught.value.status_code == 401 and not caught.value.retryable
    assert client.stats.requests == 1


async def test_unknown_api_version_is_not_found(emulator: EmulatorKnobs) -> None:
    async with client_for(emulator, api_version="2027-01") as client:
        with pytest.raises(NotFoundError):
            await client.execute(SHOP)
    assert client.endpoint.endswith("/admin/api/2027-01/graphql.json")


async def test_a_retired_version_is_answered_as_another_and_warned_once(
    emulator: EmulatorKnobs, caplog: pytest.LogCaptureFixture
) -> None:
    async with client_for(emulator, api_version="2025-04") as client:
        with caplog.at_level(logging.WARNING, logger="product_dashboard.shopify.api_version"):
            await client.execute(SHOP)
            await client.execute(SHOP)
    mismatch = client.version_watch.mismatch
    assert mismatch is not None and (mismatch.asked, mismatch.served) == ("2025-04", "2026-01")
    warnings = [r for r in caplog.records if "2026-01" in r.getMessage()]
    assert len(warnings) == 1


async def test_the_default_version_is_served_as_asked(emulator: EmulatorKnobs) -> None:
    async with client_for(emulator) as client:
        response = await client.execute(SHOP)
    assert client.api_version == "2026-10"
    assert client.version_watch.served == "2026-10" and client.version_watch.mismatch is None
    assert response["shop"]["plan"]["publicDisplayName"] == "Grow"


async def test_graphql_errors_are_raised_once_without_retry(emulator: EmulatorKnobs) -> None:
    async with client_for(emulator) as client:
        with pytest.raises(GraphQLError) as caught:
            await client.execute("{ shop { noSuchField } }")
    assert "noSuchField" in str(caught.value)
    assert client.stats.requests == 1 and client.stats.retries == 0


async def test_max_cost_exceeded_is_its_own_error(emulator: EmulatorKnobs) -> None:
    async with client_for(emulator) as client:
        with pytest.raises(MaxCostExceeded) as caught:
            await client.execute(PRODUCTS_PAGE, {"first": 250, "variantsFirst": 250})
    assert "MAX_COST_EXCEEDED" in caught.value.codes
    assert client.stats.requests == 1


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"error_rate": 0.5}, ServerError),
        ({"drop_rate": 0.5}, ConnectionDropped),
        pytest.param(  # waits out the client's real read timeout on each hung request (the
            # hang is past the most a resend's read timeout grows to: 4 x 0.5 s)
            {"timeout_rate": 0.4, "timeout_seconds": 4.0},
            RequestTimeout,
            marks=pytest.mark.slow,
        ),
    ],
)
async def test_transient_faults_are_retried_until_success(
    emulator: EmulatorKnobs, fault: dict[str, float], error: type[Exception]
) -> None:
    await emulator.faults(seed=3, **fault)
    timeout = httpx.Timeout(connect=2.0, read=0.5, write=2.0, pool=2.0)
    async with client_for(emulator, timeout=timeout, max_retries=8) as client:
        for _ in range(8):
            response = await client.execute(SHOP)
            assert response.data["shop"]["name"]
    assert client.stats.retries > 0
    assert client.stats.failures == client.stats.retries
    assert client.stats.successes == 8
    # Every injected fault cost one failed attempt (a slow machine may add timeouts of its own).
    stats = await emulator.stats()
    assert 0 < stats["faults_injected"] <= client.stats.failure_kinds[error.__name__]


async def test_a_store_slower_than_the_read_timeout_is_waited_for_longer_on_resend(
    emulator: EmulatorKnobs,
) -> None:
    # Every answer comes past the read timeout (a large productSet, a loaded store): resent
    # with the same timeout it never arrived; each resend waits twice as long, up to 4 times.
    await emulator.config(latency_ms=300)
    timeout = httpx.Timeout(connect=2.0, read=0.25, write=2.0, pool=2.0)
    async with client_for(emulator, timeout=timeout, max_retries=8) as client:
        response = await client.execute(SHOP)
    assert response.data["shop"]["name"]
    assert client.stats.failure_kinds["RequestTimeout"] == client.stats.retries >= 1


async def test_retries_are_bounded(emulator: EmulatorKnobs) -> None:
    await emulator.faults(error_rate=1.0, error_statuses=[502])
    breaker = CircuitBreaker(failure_threshold=100)
    async with client_for(emulator, max_retries=3, breaker=breaker) as client:
        with pytest.raises(ServerError) as caught:
            await client.execute(SHOP)
    assert caught.value.status_code == 502
    assert client.stats.requests == 4 and client.stats.retries == 3


async def test_non_idempotent_request_is_not_resent_after_a_timeout(
    emulator: EmulatorKnobs,
) -> None:
    await emulator.faults(timeout_rate=1.0, timeout_seconds=1.0)
    timeout = httpx.Timeout(connect=2.0, read=0.2, write=2.0, pool=2.0)
    async with client_for(emulator, timeout=timeout) as client:
        with pytest.raises(RequestTimeout):
            await client.execute(SHOP, idempotent=False)
    assert client.stats.requests == 1


async def test_breaker_opens_for_a_failing_store_and_fails_fast(emulator: EmulatorKnobs) -> None:
    await emulator.faults(error_rate=1.0)
    now = [0.0]  # the breaker's clock: a stalled test must not let it half-open early
    breaker = CircuitBreaker(failure_threshold=4, recovery_timeout=0.3, clock=lambda: now[0])
    async with client_for(emulator, max_retries=10, breaker=breaker) as client:
        with pytest.raises(CircuitOpenError) as caught:
            await client.execute(SHOP)
        assert isinstance(caught.value.__cause__, ServerError)
        assert breaker.state.value == BreakerState.OPEN.value
        sent = client.stats.requests
        assert sent == 4
        with pytest.raises(CircuitOpenError):
            await client.execute(SHOP)
        assert client.stats.requests == sent  # failed fast, nothing sent
        await emulator.faults()  # the store recovers
        now[0] += 0.35
        response = await client.execute(SHOP)
    assert response.data["shop"]["name"]
    assert breaker.state is BreakerState.CLOSED


async def test_throttled_request_waits_out_the_deficit_and_succeeds(
    emulator: EmulatorKnobs,
) -> None:
    await emulator.seed(60)
    await emulator.config(time_scale=0.25)  # a 0.75 s storm; the deficit waits shrink alike
    async with client_for(emulator) as client:
        await emulator.faults(throttle_storm_seconds=3)
        response = await client.execute(PAGE_OF_IDS, {"n": 50})
    assert len(response.data["products"]["nodes"]) == 50
    assert client.stats.throttled >= 1
    assert client.stats.successes == 1


async def run_workers(client: ShopifyClient, workers: int, requests_each: int) -> None:
    async def worker() -> None:
        for _ in range(requests_each):
            response = await client.execute(PAGE_OF_IDS, {"n": 100})
            assert len(response.data["products"]["nodes"]) == 100

    await asyncio.gather(*(worker() for _ in range(workers)))


@pytest.mark.slow  # waits for a real bucket to restore
async def test_pacer_keeps_concurrent_workers_unthrottled_on_a_small_plan(
    emulator: EmulatorKnobs,
) -> None:
    # 8 workers x 3 requests x 102 points = 2,448 points on a 2,000-point bucket at 100/s.
    # Real time: a scaled-up restore rate could outrun a slow machine's requests, so that the
    # load would never reach the bucket's edge.
    await emulator.seed(120)
    pacer = CostPacer()
    async with client_for(emulator, pacer=pacer) as client:
        await run_workers(client, workers=8, requests_each=3)
    assert pacer.stats().waits > 0, "the load never reached the bucket's edge"
    assert client.stats.throttled <= 1
    assert client.stats.successes == 24


@pytest.mark.slow  # waits for a real bucket to restore
async def test_without_pacer_the_same_load_is_throttled_but_completes(
    emulator: EmulatorKnobs,
) -> None:
    await emulator.seed(120)
    async with client_for(emulator) as client:
        await run_workers(client, workers=8, requests_each=3)
    assert client.stats.throttled > 0
    assert client.stats.successes == 24
