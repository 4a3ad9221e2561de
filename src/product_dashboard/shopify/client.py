"""Async transport for the Shopify Admin GraphQL API: retries, throttling, pacing, breaker."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from product_dashboard.shopify.api_version import HEADER as VERSION_HEADER
from product_dashboard.shopify.api_version import ApiVersionWatch
from product_dashboard.shopify.breaker import CircuitBreaker
from product_dashboard.shopify.cost import estimate_cost
from product_dashboard.shopify.errors import (
    AuthenticationError,
    CircuitOpenError,
    ConnectionDropped,
    GraphQLError,
    HTTPStatusError,
    MaxCostExceeded,
    NotFoundError,
    RequestTimeout,
    ServerError,
    ShopifyError,
    ThrottledError,
    TransportError,
)
from product_dashboard.shopify.pacer import CostPacer, Reservation
from product_dashboard.shopify.stats import ClientStats
from product_dashboard.shopify.tls import client_tls_context
from product_dashboard.shopify.types import GraphQLResponse, QueryCost, ThrottleStatus

__all__ = ["DEFAULT_API_VERSION", "DEFAULT_TIMEOUT", "RetryPolicy", "ShopifyClient"]

DEFAULT_API_VERSION = "2026-10"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)
# The most a resend's read timeout grows (doubled per read timeout the request met).
MOST_READ_TIMEOUT_GROWTH = 4
_BODY_EXCERPT = 500


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff for retryable failures: full jitter, sleep ~ U(0, min(cap, base * 2**attempt))."""

    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_throttle_retries: int = 20
    """Throttle waits are exact rather than guessed, so they get their own, larger bound."""

    def backoff(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0.0, min(self.backoff_cap, self.backoff_base * 2**attempt))


class ShopifyClient:
    """One store's Admin GraphQL endpoint.

    `pacer=None` sends without waiting ahead (THROTTLED answers are still waited out exactly);
    pass a shared CostPacer to pace concurrent workers. `breaker=None` creates a default
    CircuitBreaker for the store. An `http` client passed in is not closed by `aclose()`.
    """

    def __init__(
        self,
        store_url: str,
        access_token: str,
        api_version: str = DEFAULT_API_VERSION,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 5,
        pacer: CostPacer | None = None,
        breaker: CircuitBreaker | None = None,
        retry_policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        version_watch: ApiVersionWatch | None = None,
    ) -> None:
        if "://" not in store_url:
            store_url = f"https://{store_url}"
        self.store_url = store_url.rstrip("/")
        self.api_version = api_version
        self.version_watch = version_watch or ApiVersionWatch(api_version)
        self.endpoint = f"{self.store_url}/admin/api/{api_version}/graphql.json"
        self.timeout = timeout
        self.max_retries = max_retries
        self.pacer = pacer
        self.breaker = breaker or CircuitBreaker(name=self.store_url)
        self.retry_policy = retry_policy or RetryPolicy()
        self.stats = ClientStats()
        self._headers = {
            "X-Shopify-Access-Token": access_token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._owns_http = http is None
        self.http = http or httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            verify=client_tls_context(),
        )
        self._rng = rng or random.Random()
        # Shopify's own requested cost for a document, when above our estimate.
        self._cost_hints: dict[str, int] = {}

    async def __aenter__(self) -> ShopifyClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    def backoff_delay(self, attempt: int) -> float:
        """Full-jitter delay before retry number `attempt` (0-based)."""
        return self.retry_policy.backoff(attempt, self._rng)

    def estimate(self, document: str, variables: Mapping[str, Any] | None = None) -> int:
        """Requested cost to reserve for `document`: our estimate or Shopify's figure if higher."""
        return max(estimate_cost(document, variables), self._cost_hints.get(document, 0))

    async def execute(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        estimated_cost: int | None = None,
        idempotent: bool = True,
    ) -> GraphQLResponse:
        """Send one document; retry what is retryable; raise a ShopifyError otherwise.

        `idempotent=False` (e.g. collectionCreate) stops resending once a request may have
        reached Shopify (read timeout, dropped connection, 5xx), so a retry cannot duplicate it.
        A resend after a read timeout waits longer for its answer (`_patient`).
        """
        cost = estimated_cost if estimated_cost is not None else self.estimate(document, variables)
        body = json.dumps(
            {"query": document, "variables": dict(variables or {})}, separators=(",", ":")
        ).encode()
        failures = 0
        throttles = 0
        read_timeouts = 0
        last_error: ShopifyError | None = None
        while True:
            try:
                outcome = await self._attempt(
                    document, body, cost, _patient(self.timeout, read_timeouts)
                )
            except CircuitOpenError as exc:
                raise exc from last_error
            if isinstance(outcome, GraphQLResponse):
                return outcome
            last_error = outcome
            if not outcome.retryable:
                raise outcome
            if isinstance(outcome, ThrottledError):
                throttles += 1
                if throttles > self.retry_policy.max_throttle_retries:
                    raise outcome
                if outcome.requested_cost is not None:
                    cost = max(cost, outcome.requested_cost)  # Shopify's figure rules
                if self.pacer is None or outcome.throttle_status is None:
                    await asyncio.sleep(outcome.wait_seconds)
                continue
            sent = outcome.request_sent if isinstance(outcome, TransportError) else True
            if (not idempotent and sent) or failures >= self.max_retries:
                raise outcome
            if isinstance(outcome, RequestTimeout) and sent:
                read_timeouts += 1
            await asyncio.sleep(self.backoff_delay(failures))
            failures += 1
            self.stats.retries += 1

    async def _attempt(
        self, document: str, body: bytes, cost: int, timeout: httpx.Timeout
    ) -> GraphQLResponse | ShopifyError:
        """One HTTP round trip; returns the response or the error to act on."""
        self.breaker.before_call()
        reservation: Reservation | None = None
        finished = False
        try:
            if self.pacer is not None:
                reservation = await self.pacer.acquire(cost)
            started = time.perf_counter()
            self.stats.requests += 1
            try:
                response = await self.http.post(
                    self.endpoint, content=body, headers=self._headers, timeout=timeout
                )
            except httpx.HTTPError as exc:
                error = _transport_error(exc)
                self._settle(reservation, None, charged=error.request_sent)
                self._record_failure(error)
                finished = True
                return error
            finally:
                self.stats.observe_latency(time.perf_counter() - started)
            outcome = self._interpret(document, response, reservation, cost)
            finished = True
            return outcome
        finally:
            if not finished:
                # Cancelled or an unexpected error: free a half-open trial slot, and assume
                # the points were spent since we cannot tell whether Shopify ran the request.
                self.breaker.record_neutral()
                if reservation is not None and not reservation.settled:
                    self._settle(reservation, None, charged=True)

    def _interpret(
        self,
        document: str,
        response: httpx.Response,
        reservation: Reservation | None,
        cost: int,
    ) -> GraphQLResponse | ShopifyError:
        self.version_watch.record(response.headers.get(VERSION_HEADER))
        if response.status_code != 200:
            error = _status_error(response)
            self._settle(reservation, None, charged=isinstance(error, ServerError))
            if isinstance(error, ThrottledError):
                self.stats.throttled += 1
                self.breaker.record_neutral()
            else:
                self._record_failure(error)
            return error
        try:
            payload = json.loads(response.content)
        except ValueError:
            self._settle(reservation, None, charged=True)
            return self._failed(ConnectionDropped("response body was not valid JSON (truncated?)"))
        if not isinstance(payload, dict):
            self._settle(reservation, None, charged=True)
            return self._failed(ConnectionDropped("response body was not a JSON object"))
        extensions = payload.get("extensions") or {}
        query_cost = QueryCost.from_extensions(extensions)
        self._account_cost(document, query_cost, cost)
        status = query_cost.throttle_status if query_cost else None
        actual = query_cost.actual_query_cost if query_cost else None
        self._settle(reservation, status, actual_cost=actual, charged=actual is not None)
        errors = payload.get("errors")
        if errors:
            error = _graphql_error(errors, payload.get("data"), query_cost, cost)
            if isinstance(error, ThrottledError):
                self.stats.throttled += 1
                self.breaker.record_neutral()
            else:
                self.breaker.record_success()
            return error
        data = payload.get("data")
        if not isinstance(data, dict):
            self.breaker.record_success()
            return GraphQLError("response carried neither data nor errors", errors=[])
        self.breaker.record_success()
        self.stats.successes += 1
        return GraphQLResponse(data=data, cost=query_cost, extensions=extensions)

    def _account_cost(self, document: str, query_cost: QueryCost | None, estimated: int) -> None:
        if query_cost is None:
            return
        requested = query_cost.requested_query_cost
        if requested is not None:
            if requested > estimated and len(self._cost_hints) < 1024:
                self._cost_hints[document] = requested
            if query_cost.actual_query_cost is not None:
                self.stats.cost_requested += requested
        if query_cost.actual_query_cost is not None:
            self.stats.cost_actual += query_cost.actual_query_cost

    def _settle(
        self,
        reservation: Reservation | None,
        status: ThrottleStatus | None,
        *,
        actual_cost: int | None = None,
        charged: bool,
    ) -> None:
        if self.pacer is not None and reservation is not None:
            self.pacer.settle(reservation, status, actual_cost=actual_cost, charged=charged)

    def _failed(self, error: ShopifyError) -> ShopifyError:
        self._record_failure(error)
        return error

    def _record_failure(self, error: ShopifyError) -> None:
        self.stats.record_failure(type(error).__name__)
        self.breaker.record_failure()


def _patient(timeout: httpx.Timeout, read_timeouts: int) -> httpx.Timeout:
    """`timeout` with its read timeout doubled per read timeout the request already met, up to
    MOST_READ_TIMEOUT_GROWTH times: a store slower than the timeout (a large productSet, a loaded
    Shopify) answers a resend that waits longer, where one asked again the same way times out
    again, each time running the request on Shopify once more."""
    if not read_timeouts or timeout.read is None:
        return timeout
    growth = min(2**read_timeouts, MOST_READ_TIMEOUT_GROWTH)
    return httpx.Timeout(
        connect=timeout.connect, read=timeout.read * growth, write=timeout.write, pool=timeout.pool
    )


def _transport_error(exc: httpx.HTTPError) -> TransportError:
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return RequestTimeout(f"timed out before sending ({detail})", request_sent=False)
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeout(f"timed out waiting for Shopify ({detail})")
    if isinstance(exc, httpx.ConnectError):
        return ConnectionDropped(f"could not connect ({detail})", request_sent=False)
    if isinstance(exc, httpx.TransportError):
        return ConnectionDropped(f"connection dropped ({detail})")
    return ConnectionDropped(f"HTTP failure ({detail})")


def _status_error(response: httpx.Response) -> ShopifyError:
    status = response.status_code
    body = response.text[:_BODY_EXCERPT]
    message = f"Shopify answered HTTP {status}: {body!r}"
    if status == 429:
        retry_after = response.headers.get("Retry-After", "")
        try:
            wait = float(retry_after)
        except ValueError:
            wait = 1.0
        return ThrottledError(f"HTTP 429, retry after {wait}s", wait_seconds=wait)
    if status >= 500:
        return ServerError(message, status_code=status, body=body)
    if status in (401, 403):
        return AuthenticationError(message, status_code=status, body=body)
    if status == 404:
        return NotFoundError(message, status_code=status, body=body)
    return HTTPStatusError(message, status_code=status, body=body)


def _graphql_error(
    errors: list[Any], data: Any, query_cost: QueryCost | None, estimated: int
) -> ShopifyError:
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = (first.get("extensions") or {}).get("code")
    messages = "; ".join(
        str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
    )
    if code == "THROTTLED":
        status = query_cost.throttle_status if query_cost else None
        requested = (query_cost.requested_query_cost if query_cost else None) or estimated
        wait = status.seconds_until_available(requested) if status else 1.0
        return ThrottledError(
            f"throttled: {requested} points requested, waiting {wait:.2f}s",
            wait_seconds=wait,
            requested_cost=requested,
            throttle_status=status,
        )
    partial = data if isinstance(data, dict) else None
    if code == "MAX_COST_EXCEEDED":
        return MaxCostExceeded(messages, errors=errors, data=partial)
    return GraphQLError(messages, errors=errors, data=partial)
