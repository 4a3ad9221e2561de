"""The background processor: claims stored events, applies them, retries, dead-letters.

Each event is applied and marked done in one transaction, so a crash at any point either leaves
it to be processed again (nothing was applied) or done (everything was). A claim is a lease: an
event left `processing` by a dead process is taken back once the lease expires. Events about one
product are handled one after another, in arrival order; different products in parallel.
A batch's product updates go first, together (inbound.batch: the newest per product applied,
the earlier ones superseded, all in one transaction); then its inventory level events, together
(inbound.level_batch); the rest, one by one.

Its transactions commit early on PostgreSQL (`kit.early_commit`): since an event's processed
mark commits with its result (and a claim or a failure only with its own mark), a crash that
loses such a commit loses both, and the event is simply processed again. The receiver's store
of a delivery still waits for its fsync before the 200.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.eventstream.bus import WEBHOOKS, EventBus
from product_dashboard.exceptions import AppError
from product_dashboard.exceptions import Conflict as VersionConflict
from product_dashboard.inbound.batch import (
    CreateMany,
    ProductUpdate,
    apply_together,
    handles_held,
    linked_in_order,
    split,
)
from product_dashboard.inbound.handlers import (
    PRODUCT_TOPICS,
    Handled,
    PayloadError,
    Reread,
    handle,
    incomplete_product_event,
)
from product_dashboard.inbound.level_batch import (
    LevelEvent,
    LevelKey,
    LevelsApplied,
    apply_levels_together,
    mark_together,
    share_of,
)
from product_dashboard.inbound.repository import WebhookEventRepository
from product_dashboard.inbound.write_lock import PriorityWriteLock, background_transaction
from product_dashboard.kit.early_commit import commit_early
from product_dashboard.kit.gc_policy import fewer_collections
from product_dashboard.kit.log_fields import log_fields
from product_dashboard.kit.time import utcnow
from product_dashboard.models import WebhookEvent
from product_dashboard.shopify.mapping import SyncProduct

# The product as Shopify holds it now, with its `updatedAt`; None when it is gone.
ReadProduct = Callable[[str], Awaitable[tuple[SyncProduct, datetime | None] | None]]

logger = logging.getLogger(__name__)

BATCH_SIZE = 64
# SQLite's writer is held from a transaction's first write to its COMMIT, and a delivery waits
# for it: while deliveries arrive, products applied together there are few, so an ack never
# waits for many.
TOGETHER_WHILE_RECEIVING = 16
BUSY_POLL = 0.005
MAX_DEFER = 0.5
MAX_RETRY_DELAY = 3600.0


class WebhookProcessor:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: EventBus | None,
        *,
        concurrency: int = 4,
        max_attempts: int = 8,
        retry_base_seconds: float = 2.0,
        lease_seconds: float = 60.0,
        poll_interval: float = 1.0,
        write_lock: PriorityWriteLock | None = None,
        receiving: Callable[[], bool] | None = None,
        create_many: CreateMany | None = None,
        read_product: ReadProduct | None = None,
    ) -> None:
        """`create_many`: products unknown here created together (else each alone);
        `read_product`: reads a product from Shopify when its event's body is incomplete
        (without it, such an event fails: nothing is applied)."""
        self.sessionmaker = sessionmaker
        self.read_product = read_product
        self.create_many = create_many
        self.bus = bus
        self.events = ConflictEvents(bus)
        # SQLite has one writer: concurrent events would only queue for it.
        self.concurrency = 1 if write_lock is not None else concurrency
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_interval = poll_interval
        self.write_lock = write_lock
        self.receiving = receiving
        self._wakeup = asyncio.Event()
        self._deferring = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._closing = False
        self._task = asyncio.create_task(self._loop(), name="webhook-processor")

    def wake(self) -> None:
        self._wakeup.set()

    async def close(self, timeout: float = 10.0) -> None:
        self._closing = True
        self.wake()
        if self._task is not None:
            _, pending = await asyncio.wait([self._task], timeout=timeout)
            for task in pending:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            self._task = None

    async def _loop(self) -> None:
        while not self._closing:
            try:
                handled = await self.run_once()
            except Exception:
                logger.exception("webhook processor iteration failed")
                handled = 0
            if handled or self._closing:
                continue
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_interval)
            self._wakeup.clear()

    async def run_once(self) -> int:
        """Claim one batch and process it; the number of events handled."""
        await self._yield_to_receiver()
        async with self.sessionmaker() as session, self.transaction(session):
            claimed = await WebhookEventRepository(session).claim(BATCH_SIZE, self.lease)
        if not claimed:
            return 0
        with fewer_collections():  # a batch's ORM objects, snapshots and JSON: all short-lived
            await self._process_claimed(claimed)
        return len(claimed)

    async def _process_claimed(self, claimed: list[WebhookEvent]) -> None:
        parts = split(claimed)
        alone = parts.alone
        start = 0
        while start < len(parts.newest):
            share = parts.newest[start : start + self._share()]
            start += len(share)
            if not await self._apply_together(share):
                alone.extend(event for update in share for event in update.events())
        alone.extend(await self._levels_together(parts.levels, alone))
        alone.sort(key=lambda event: event.id)
        semaphore = asyncio.Semaphore(self.concurrency)
        if self.concurrency == 1 or len(alone) < 2:
            groups = [alone]
        else:
            async with self.sessionmaker() as session:
                held = await handles_held(session, alone)
            groups = linked_in_order(alone, held)

        async def run_group(events: list[WebhookEvent]) -> None:
            async with semaphore:
                for event in events:
                    await self.process(event)

        await asyncio.gather(*(run_group(events) for events in groups))

    def _share(self) -> int:
        """How many of a batch's product updates the next transaction takes: a few under
        SQLite's write lock while deliveries are arriving (each waits for the COMMIT of the
        transaction in flight), else the whole batch. One transaction's statements (a load per
        table, a write per table) serve all of its products, and its decisions yield to the
        event loop between products; side by side transactions (PostgreSQL) bought nothing: the
        decisions are our CPU either way."""
        if self.write_lock is not None and self.receiving is not None and self.receiving():
            return TOGETHER_WHILE_RECEIVING
        return BATCH_SIZE

    async def _apply_together(self, updates: list[ProductUpdate]) -> bool:
        """These product updates in one transaction (inbound.batch); False when it fails:
        nothing was kept, and each event is then processed alone, so a failing one costs only
        itself (and is retried or dead-lettered as alone)."""
        await self._yield_to_receiver()
        try:
            async with self.sessionmaker() as session, self.transaction(session):
                done = await apply_together(session, updates, self.events, self.create_many)
        except Exception as exc:  # each event alone says what failed
            logger.info("webhook batch of %d failed (%s): one by one", len(updates), exc)
            return False
        for event, handled in done:
            self._processed(event, handled)
        return True

    async def _levels_together(
        self, levels: list[LevelEvent], alone: list[WebhookEvent]
    ) -> list[WebhookEvent]:
        """The batch's level events applied together (inbound.level_batch), after its product
        updates, before its events processed `alone`; those left to the one-by-one path
        returned. When a transaction fails, nothing of it was kept: its events, and every later
        one of their levels, are processed alone."""
        products = [e for e in alone if e.topic.startswith("products/")]
        leave = {e.resource_id for e in products if e.resource_id}
        # A product created or updated alone may link items: their events wait for it.
        mark = not any(e.topic in PRODUCT_TOPICS for e in products)
        left: list[LevelEvent] = []
        left_keys: set[LevelKey] = set()
        while levels:
            share, skipped, levels = share_of(levels, self._share(), left_keys)
            left.extend(skipped)
            if not share:
                continue
            applied = await self._levels_step(apply_levels_together, share, leave)
            if not mark:
                applied.left.extend(applied.not_found)
            elif applied.not_found:
                marked = await self._levels_step(mark_together, applied.not_found)
                applied.left.extend(marked.left)
            left.extend(applied.left)
            left_keys.update(level.key for level in applied.left)
        left.sort(key=lambda level: level.event.id)
        return [level.event for level in left]

    async def _levels_step(
        self,
        step: Callable[..., Awaitable[LevelsApplied]],
        levels: list[LevelEvent],
        *args: Any,
    ) -> LevelsApplied:
        """One transaction of `step` over these level events, what it finished published; all
        of them left (nothing kept) when it fails."""
        await self._yield_to_receiver()
        try:
            async with self.sessionmaker() as session, self.transaction(session):
                applied = await step(session, levels, *args)
        except Exception as exc:  # each event alone says what failed
            logger.info("level batch of %d failed (%s): one by one", len(levels), exc)
            return LevelsApplied(left=list(levels))
        for event, handled in applied.done:
            self._processed(event, handled)
        return applied

    async def _yield_to_receiver(self) -> None:
        """During a burst of deliveries, answer them first: Shopify waits 5 s at most for us.

        Processing (claiming included) pauses while deliveries are being stored or keep
        arriving, but one step is taken every MAX_DEFER seconds, so a never-ending stream
        cannot starve it. The groups processed side by side (PostgreSQL) wait in line here, so
        a burst lets one step through per MAX_DEFER in all, not one per group.
        """
        if self.receiving is None or not self.receiving():
            return
        async with self._deferring:
            deadline = time.monotonic() + MAX_DEFER
            # Polls the writer's state (an Event set per delivery would cost more than this),
            # and the deadline is part of the condition.
            while self.receiving() and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(BUSY_POLL)

    async def _reread(self, event: WebhookEvent) -> Reread | None:
        """An incomplete product body's product, read from Shopify (before the transaction:
        never a network call holding the writer)."""
        if self.read_product is None or event.resource_id is None:
            return None
        if not incomplete_product_event(event):
            return None
        read = await self.read_product(event.resource_id)
        return Reread(None, None) if read is None else Reread(read[0], read[1])

    async def process(self, event: WebhookEvent) -> None:
        await self._yield_to_receiver()
        try:
            reread = await self._reread(event)
            async with self.sessionmaker() as session, self.transaction(session):
                handled = await handle(session, event, self.events, self.bus, reread)
                await WebhookEventRepository(session).finish(
                    event.id, handled.state, handled.outcome
                )
        except (PayloadError, AppError) as exc:
            retryable = isinstance(exc, VersionConflict)
            await self._failed(event, f"{type(exc).__name__}: {exc}", retryable=retryable)
            return
        except Exception as exc:
            logger.exception(
                "webhook event %s (%s) failed",
                event.id,
                event.topic,
                extra=log_fields(webhook=event.id, topic=event.topic, shopify_id=event.resource_id),
            )
            await self._failed(event, f"{type(exc).__name__}: {exc}", retryable=True)
            return
        self._processed(event, handled)

    def _processed(self, event: WebhookEvent, handled: Handled) -> None:
        self._publish(
            "webhook.processed",
            {
                "id": event.id,
                "topic": event.topic,
                "state": handled.state.value,
                "outcome": handled.outcome,
                **{k: v for k, v in handled.detail.items() if k != "outcome"},
            },
        )

    async def _failed(self, event: WebhookEvent, error: str, *, retryable: bool) -> None:
        attempts = event.attempts  # already counts this attempt (incremented by the claim)
        retry_at = None
        if retryable and attempts < self.max_attempts:
            delay = min(MAX_RETRY_DELAY, self.retry_base_seconds * 2 ** (attempts - 1))
            retry_at = utcnow() + timedelta(seconds=delay)
        logger.warning(
            "webhook %s (%s) failed; %s",
            event.id,
            event.topic,
            f"retrying at {retry_at:%H:%M:%S}" if retry_at else "given up",
            extra=log_fields(
                webhook=event.id,
                topic=event.topic,
                shopify_id=event.resource_id,
                attempt=attempts,
                reason=error,
            ),
        )
        async with self.sessionmaker() as session, self.transaction(session):
            await WebhookEventRepository(session).fail(event.id, error, retry_at=retry_at)
        self._publish(
            "webhook.failed" if retry_at else "webhook.dead",
            {"id": event.id, "topic": event.topic, "attempts": attempts, "error": error},
        )

    @asynccontextmanager
    async def transaction(self, session: AsyncSession) -> AsyncIterator[None]:
        """The processor's transaction: committed early (PostgreSQL); SQLite has one writer,
        whose turns it takes with the receiver's instead of polling."""
        async with background_transaction(session, self.write_lock):
            await commit_early(session)
            yield

    def _publish(self, type: str, data: dict[str, Any]) -> None:
        if self.bus is not None:
            self.bus.publish(WEBHOOKS, type, data)
