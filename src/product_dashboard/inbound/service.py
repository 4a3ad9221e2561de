"""The inbound side of the app, assembled: receiver state, processor, registration, reconciler.

Created in `create_app()` (`app.state.inbound`), started in the lifespan once the database is up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.conflict.dependencies import ConflictServices
from product_dashboard.eventstream.bus import WEBHOOKS, EventBus
from product_dashboard.inbound.batch import CreateMany
from product_dashboard.inbound.decide import NO_RECORDER, CheckRecorder
from product_dashboard.inbound.detect import DETECT_JOB, DetectJob, DetectReport, run_detect_job
from product_dashboard.inbound.handlers import PayloadError
from product_dashboard.inbound.metrics import ReceiverMetrics
from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.inbound.reconciler import (
    RECONCILE_JOB,
    ReconcileJob,
    Reconciler,
    ReconcileReport,
    run_reconcile_job,
)
from product_dashboard.inbound.registration import register_with_retries
from product_dashboard.inbound.remote import NotCompared, fetch_product
from product_dashboard.inbound.spool import EventSpool, spool_path
from product_dashboard.inbound.write_lock import PriorityWriteLock
from product_dashboard.inbound.writer import EventWriter
from product_dashboard.job.runner import JobRunner
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.mapping import SyncProduct
from product_dashboard.store_gateway import StoreGateway

logger = logging.getLogger(__name__)

STORE_CHECKS = "store-checks"


class Inbound:
    def __init__(
        self,
        settings: Settings,
        gateway: StoreGateway,
        bus: EventBus,
        runner: JobRunner,
        conflicts: ConflictServices,
        *,
        check_results: Callable[[str], CheckRecorder] | None = None,
        create_many: CreateMany | None = None,
    ) -> None:
        """`check_results`: a detection job's results rows, by its id (sync writes them);
        `create_many`: webhooks' products unknown here created together (sync does it)."""
        self.settings = settings
        self.check_results = check_results
        self.create_many = create_many
        self.gateway = gateway
        self.bus = bus
        self.runner = runner
        self.metrics = ReceiverMetrics()
        self.conflict_events = conflicts.events
        self.registration: dict[str, Any] = {"state": "off"}
        self.processor: WebhookProcessor | None = None
        self.writer: EventWriter | None = None
        self.reconciler: Reconciler | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self._client: ShopifyClient | None = None
        self._background: set[asyncio.Task[None]] = set()
        # One check of the store at a time: both read it in bulk and decide product by product.
        DETECT_JOB.register(
            runner, self._detect_job, concurrency=1, exclusive=STORE_CHECKS, writes=True
        )
        RECONCILE_JOB.register(
            runner, self._reconcile_job, concurrency=1, exclusive=STORE_CHECKS, writes=True
        )

    @property
    def secret(self) -> str | None:
        return self.settings.shopify_webhook_secret

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        if self._sessionmaker is None:
            raise RuntimeError("Inbound.start() has not been called")
        return self._sessionmaker

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        s = self.settings
        self._sessionmaker = sessionmaker
        engine = sessionmaker.kw["bind"]
        sqlite = engine.dialect.name == "sqlite"
        write_lock = PriorityWriteLock() if sqlite else None
        spooling = spool_path(engine.url)
        self.writer = EventWriter(
            engine,
            write_lock,
            self.metrics,
            spool=EventSpool(spooling) if spooling is not None else None,
            on_spool_stored=self._wake_processor,
        )
        await self.writer.warm_up()
        self.writer.start()
        self.processor = WebhookProcessor(
            sessionmaker,
            self.bus,
            write_lock=write_lock,
            receiving=self.writer.busy,
            concurrency=s.webhook_processor_concurrency,
            max_attempts=s.webhook_max_attempts,
            retry_base_seconds=s.webhook_retry_base_seconds,
            create_many=self.create_many,
            read_product=self._read_product if self.gateway.configured else None,
        )
        if s.webhook_processing_enabled:
            self.processor.start()
        if self.gateway.configured:
            self._start_store_side(sessionmaker)

    def _start_store_side(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        """Subscription registration and the reconciler: both need a store to talk to."""
        s = self.settings
        if s.webhook_callback_url:
            self.registration = {"state": "pending", "callback_url": s.webhook_callback_url}
            self._spawn(
                register_with_retries(self.shopify(), s.webhook_callback_url, self.registration)
            )
        if s.reconcile_interval_seconds > 0:
            self.reconciler = Reconciler(
                sessionmaker, self.shopify(), self.conflict_events, s.reconcile_interval_seconds
            )
            self.reconciler.start()

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        if self.reconciler is not None:
            await self.reconciler.close()
        if self.processor is not None:
            await self.processor.close()
        if self.writer is not None:
            await self.writer.close()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- collaborators --------------------------------------------------------------------------

    def shopify(self) -> ShopifyClient:
        """Inbound's one long-lived client (the gateway's: the store's pacer and breaker)."""
        if self._client is None:
            self._client = self.gateway.client()
        return self._client

    async def _read_product(self, shopify_id: str) -> tuple[SyncProduct, datetime | None] | None:
        """A product as Shopify holds it, for an event whose body leaves part of it out."""
        try:
            return await fetch_product(self.shopify(), shopify_id)
        except NotCompared as exc:  # reading again will not help
            raise PayloadError(f"incomplete body, and {exc}") from exc

    # -- receiving ------------------------------------------------------------------------------

    async def store(self, values: dict[str, Any]) -> bool:
        """Commit the event (unless already stored) and wake the processor; True when new."""
        if self.writer is None:
            raise RuntimeError("Inbound.start() has not been called")
        stored = await self.writer.store(values)
        if stored:
            self._received(
                {
                    "webhook_id": values["webhook_id"],
                    "topic": values["topic"],
                    "resource_id": values["resource_id"],
                }
            )
        return stored

    def _received(self, event: dict[str, Any]) -> None:
        self._wake_processor()
        self.bus.publish(WEBHOOKS, "webhook.received", event)

    def _wake_processor(self) -> None:
        if self.processor is not None:
            self.processor.wake()

    @property
    def spooled(self) -> int:
        """Events answered 200 and waiting in the spool for the table (SQLite's lock held)."""
        spool = self.writer.spool if self.writer is not None else None
        return len(spool) if spool is not None else 0

    async def _detect_job(self, job: DetectJob) -> DetectReport:
        return await run_detect_job(
            job,
            self.shopify(),
            self.conflict_events,
            by_id_up_to=self.settings.conflict_detect_by_id_limit,
            recorder=self.check_results(job.job_id) if self.check_results else NO_RECORDER,
        )

    async def _reconcile_job(self, job: ReconcileJob) -> ReconcileReport:
        return await run_reconcile_job(job, self.shopify(), self.conflict_events)
