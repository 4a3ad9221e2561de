"""Outgoing webhooks: subscriptions, signed at-least-once delivery with retries and backoff.

`publish()` is synchronous and only enqueues; a background worker started by `start()` turns
each (event, subscription) pair into a delivery task. A delivery is retried up to `max_retries`
times with exponential backoff (Shopify: 8 retries over ~4 h; delays are scaled by
`time_scale`). Deliveries to one subscriber run concurrently, so, as on Shopify, their order is
not guaranteed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl
import time
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx

from shopify_emulator.webhooks.signing import sign_body
from shopify_emulator.webhooks.subscriptions import SubscriptionRegistry, WebhookSubscription
from shopify_emulator.webhooks.topics import TOPIC_HEADERS, normalize_topic

logger = logging.getLogger(__name__)

# Retry k (1-based) waits BASE_RETRY_DELAYS_S[k-1] * time_scale; 8 retries span ~4.25 h.
BASE_RETRY_DELAYS_S: tuple[float, ...] = tuple(60.0 * 2**i for i in range(8))
USER_AGENT = "Shopify-Captain-Hook"


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process (~25 ms each): every emulator
    started in one process (tests start one per harness) shares it."""
    return httpx.create_ssl_context()


@dataclass(frozen=True, slots=True)
class WebhookStats:
    """Counters since start; `pending` = deliveries queued, in flight or awaiting a retry."""

    published: int
    deliveries: int
    delivered: int
    failed_attempts: int
    gave_up: int
    duplicates: int
    pending: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One HTTP attempt, kept in a bounded log for inspection."""

    webhook_id: str
    event_id: str
    topic: str
    callback_url: str
    attempt: int
    duplicate: bool
    status_code: int | None
    error: str | None
    duration_ms: float
    at: datetime

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class _Delivery:
    webhook_id: str
    event_id: str
    topic_header: str
    callback_url: str
    triggered_at: str
    body: bytes
    hmac: str


def select_fields(payload: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """Keep only `fields` (a subscription's includeFields); `variants.price` reaches into lists."""
    nested: dict[str, list[str] | None] = {}
    for path in fields:
        head, _, rest = path.partition(".")
        if not rest:
            nested[head] = None  # the whole field
        elif (subpaths := nested.get(head, [])) is not None:
            nested[head] = [*subpaths, rest]
    selected: dict[str, Any] = {}
    for key, subpaths in nested.items():
        if key not in payload:
            continue
        value = payload[key]
        if subpaths and isinstance(value, dict):
            value = select_fields(value, subpaths)
        elif subpaths and isinstance(value, list):
            value = [select_fields(v, subpaths) if isinstance(v, dict) else v for v in value]
        selected[key] = value
    return selected


class WebhookDispatcher:
    """Subscriptions plus signed, retried delivery of webhook events for one shop."""

    def __init__(
        self,
        secret: str,
        shop_domain: str,
        api_version: str,
        *,
        http: httpx.AsyncClient | None = None,
        time_scale: float = 1.0,
        duplicate_rate: float = 0.0,
        timeout_s: float = 5.0,
        max_retries: int = 8,
        max_concurrency: int = 8,
        rng: random.Random | None = None,
        attempt_log_size: int = 1000,
    ) -> None:
        self.secret = secret
        self.shop_domain = shop_domain
        self.api_version = api_version
        self.time_scale = time_scale
        self.duplicate_rate = duplicate_rate
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.subscriptions = SubscriptionRegistry(api_version)
        self._http = http
        self._owns_http = http is None
        self._rng = rng or random.Random()
        self._max_concurrency = max_concurrency
        self._queue: asyncio.Queue[_Delivery] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._attempts: deque[DeliveryAttempt] = deque(maxlen=attempt_log_size)
        self._published = 0
        self._deliveries = 0
        self._delivered = 0
        self._failed_attempts = 0
        self._gave_up = 0
        self._duplicates = 0
        self._pending = 0

    # -- subscriptions -------------------------------------------------------------------------

    def create_subscription(
        self,
        topic: str,
        callback_url: str,
        *,
        format: str = "JSON",
        include_fields: list[str] | None = None,
        filter: str | None = None,
    ) -> WebhookSubscription:
        """Add a subscription; raises WebhookSubscriptionError (has `.to_user_error()`)."""
        return self.subscriptions.create(
            topic, callback_url, format=format, include_fields=include_fields, filter=filter
        )

    def delete_subscription(self, subscription_id: str) -> WebhookSubscription:
        """Remove a subscription by gid; raises WebhookSubscriptionError when unknown."""
        return self.subscriptions.delete(subscription_id)

    def list_subscriptions(self, topic: str | None = None) -> list[WebhookSubscription]:
        return self.subscriptions.list(topic)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the delivery worker (idempotent); creates an HTTP client if none was given."""
        if self._worker is not None:
            return
        if self._http is None:
            # Keep a connection per concurrent delivery alive: reopening costs more than sending.
            limits = httpx.Limits(
                max_connections=self._max_concurrency,
                max_keepalive_connections=self._max_concurrency,
            )
            self._http = httpx.AsyncClient(
                timeout=self.timeout_s, limits=limits, verify=_tls_context()
            )
        self._semaphore = asyncio.Semaphore(self._max_concurrency)
        self._worker = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def aclose(self) -> None:
        """Stop the worker, abandon undelivered webhooks, close the HTTP client if we made it."""
        tasks = list(self._tasks)
        if self._worker is not None:
            tasks.append(self._worker)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._worker = None
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> WebhookDispatcher:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- publishing -----------------------------------------------------------------------------

    def publish(
        self,
        topic: str,
        payload: dict[str, Any],
        *,
        event_id: str | None = None,
        triggered_at: datetime | None = None,
    ) -> str:
        """Enqueue one delivery per subscription of `topic`; return the event id. Never blocks.

        Call from the event loop's thread. The body is encoded once per distinct `includeFields`,
        so subscribers and retries receive the same bytes and the same HMAC.
        """
        enum_topic = normalize_topic(topic)
        event_id = event_id or str(uuid.uuid4())
        when = (triggered_at or datetime.now(UTC)).astimezone(UTC)
        triggered = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._published += 1
        subscriptions = self.subscriptions.list(enum_topic)
        if not subscriptions:
            return event_id
        signed: dict[tuple[str, ...], tuple[bytes, str]] = {}
        for subscription in subscriptions:
            fields = tuple(subscription.include_fields)
            if fields not in signed:
                selected = select_fields(payload, fields) if fields else payload
                body = json.dumps(selected, separators=(",", ":"), ensure_ascii=False).encode()
                signed[fields] = (body, sign_body(self.secret, body))
            body, signature = signed[fields]
            self._queue.put_nowait(
                _Delivery(
                    webhook_id=str(uuid.uuid4()),
                    event_id=event_id,
                    topic_header=TOPIC_HEADERS[enum_topic],
                    callback_url=subscription.callback_url,
                    triggered_at=triggered,
                    body=body,
                    hmac=signature,
                )
            )
            self._deliveries += 1
            self._pending += 1
        self._idle.clear()
        return event_id

    # -- observation ----------------------------------------------------------------------------

    def stats(self) -> WebhookStats:
        return WebhookStats(
            published=self._published,
            deliveries=self._deliveries,
            delivered=self._delivered,
            failed_attempts=self._failed_attempts,
            gave_up=self._gave_up,
            duplicates=self._duplicates,
            pending=self._pending,
        )

    def recent_attempts(self, limit: int = 100) -> list[DeliveryAttempt]:
        """The last `limit` HTTP attempts, oldest first."""
        return list(self._attempts)[-limit:]

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until no delivery is pending; raise TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while self._pending:
                await self._idle.wait()

    def retry_delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based)."""
        base = BASE_RETRY_DELAYS_S[min(retry, len(BASE_RETRY_DELAYS_S)) - 1]
        return base * self.time_scale

    # -- delivery -------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            delivery = await self._queue.get()
            task = asyncio.create_task(self._deliver(delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, delivery: _Delivery) -> None:
        try:
            for attempt in range(self.max_retries + 1):
                if attempt:
                    await asyncio.sleep(self.retry_delay(attempt))
                if await self._attempt(delivery, attempt, duplicate=False):
                    self._delivered += 1
                    if self.duplicate_rate and self._rng.random() < self.duplicate_rate:
                        self._duplicates += 1
                        await self._attempt(delivery, attempt, duplicate=True)
                    return
            self._gave_up += 1
            logger.info("webhook %s to %s gave up", delivery.webhook_id, delivery.callback_url)
        finally:
            self._pending -= 1
            if not self._pending:
                self._idle.set()

    async def _attempt(self, delivery: _Delivery, attempt: int, *, duplicate: bool) -> bool:
        assert self._http is not None and self._semaphore is not None
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Shopify-Topic": delivery.topic_header,
            "X-Shopify-Hmac-Sha256": delivery.hmac,
            "X-Shopify-Shop-Domain": self.shop_domain,
            "X-Shopify-API-Version": self.api_version,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": delivery.event_id,
            "X-Shopify-Triggered-At": delivery.triggered_at,
        }
        status_code: int | None = None
        error: str | None = None
        started = time.perf_counter()
        async with self._semaphore:
            try:
                async with asyncio.timeout(self.timeout_s):
                    response = await self._http.post(
                        delivery.callback_url,
                        content=delivery.body,
                        headers=headers,
                        timeout=self.timeout_s,
                    )
                status_code = response.status_code
            except TimeoutError:
                error = "timeout"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
        ok = status_code is not None and 200 <= status_code < 300
        if not ok and not duplicate:
            self._failed_attempts += 1
        self._attempts.append(
            DeliveryAttempt(
                webhook_id=delivery.webhook_id,
                event_id=delivery.event_id,
                topic=delivery.topic_header,
                callback_url=delivery.callback_url,
                attempt=attempt,
                duplicate=duplicate,
                status_code=status_code,
                error=error,
                duration_ms=(time.perf_counter() - started) * 1000,
                at=datetime.now(UTC),
            )
        )
        return ok
