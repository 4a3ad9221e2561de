"""The push pipeline: plan a page → hash → group into requests → workers → (un)publish on the
online store where that changed (publication.py) → record → watermark.

Loading and hashing the next page overlaps the requests of the previous one; recording is
batched by a single writer. Use `PushEngine.run()`; the job handler, the tests and the benchmark
all drive it the same way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import Field, computed_field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.inventory.push import InventoryPusher, InventoryPushReport
from product_dashboard.job.typed import JobModel
from product_dashboard.kit.gc_policy import fewer_collections
from product_dashboard.models import Product
from product_dashboard.product.image_store import ImageStore
from product_dashboard.shopify import plan_rate
from product_dashboard.shopify.bulk import MAX_BULK_OPERATIONS
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import ShopifyError
from product_dashboard.sync.autoscale import Autoscaler, BudgetView
from product_dashboard.sync.push.bulk import BulkInFlight, BulkPusher, BulkStatus
from product_dashboard.sync.push.documents import Operation, operation_for
from product_dashboard.sync.push.image_uploads import stage_local_images
from product_dashboard.sync.push.items import load_push_items
from product_dashboard.sync.push.modes import (
    BulkTiming,
    PushMode,
    bulk_part_sizes,
    choose_mode,
    group_operations,
)
from product_dashboard.sync.push.planner import Planner, PushScope, split_unchanged
from product_dashboard.sync.push.pool import WorkerPool
from product_dashboard.sync.push.progress import RecordBuffer, Tally, Watermark
from product_dashboard.sync.push.publication import PublicationPusher
from product_dashboard.sync.push.quantities import PartQuantities
from product_dashboard.sync.push.recorder import PushOutcome
from product_dashboard.sync.push.sender import Sender

_COST_EWMA = 0.3
FIRST_PAGE_SIZE = 100
STARTS_FIRST_POLL = 0.5  # the most a stop waits to be seen
Unit = list[tuple[int, Operation]]  # one request's operations, each with its page


@dataclass
class _Adopted:
    """A bulk operation a previous run started: its lines' operations (None: not to record)."""

    record: BulkInFlight
    ops: list[Operation | None]
    unit: Unit  # the operations to record, with the page they complete
    carried: list[int]  # its products not to plan again (sent as they are now)


@dataclass(frozen=True)
class PushConfig:
    min_workers: int = 2
    max_workers: int = 10
    bulk_chunk_size: int = 25_000
    # Bulk operations run side by side (Shopify's per-shop limit), and the bulk speed `auto`
    # assumes (Shopify's, as merchants report it: see modes.BulkTiming).
    bulk_slots: int = MAX_BULK_OPERATIONS
    bulk_lines_per_second: float = BulkTiming.lines_per_second
    bulk_startup_seconds: float = BulkTiming.startup_seconds
    bulk_poll_interval: float = 0.25
    page_size: int = 500
    # Where images uploaded to the dashboard are (None: such images cannot be sent).
    images: ImageStore | None = None
    # A handle changed here asks Shopify to redirect the old URL (`redirectNewHandle`).
    redirect_handles: bool = True

    @property
    def bulk_timing(self) -> BulkTiming:
        return BulkTiming(
            lines_per_second=self.bulk_lines_per_second,
            startup_seconds=self.bulk_startup_seconds,
            slots=max(1, min(self.bulk_slots, MAX_BULK_OPERATIONS)),
            chunk_size=self.bulk_chunk_size,
        )


class PushReport(JobModel):
    """What one push run did; also a push job's record of each of its runs."""

    mode: str
    requested_mode: str
    total: int
    pushed: int
    deleted: int
    failed: int
    skipped: int
    seconds: float
    api_calls: int
    cost_points: int
    throttled: int
    retries: int
    workers_min: int
    workers_max: int
    latency_ms: float | None
    stopped: bool
    watermark: int
    bulk: dict[str, Any] | None = None
    inventory: dict[str, Any] | None = None
    publications: dict[str, int] | None = None
    """Products published and unpublished on the online store, failed, and requests sent."""
    errors: list[dict[str, Any]] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def products_per_second(self) -> float:
        handled = self.pushed + self.deleted + self.failed + self.skipped
        return round(handled / self.seconds, 2) if self.seconds > 0 else 0.0


class PushHooks:
    """What the engine tells its driver; the default does nothing and never stops."""

    def should_stop(self) -> bool:
        return False

    async def on_start(self, total: int, mode: PushMode) -> None:
        return None

    async def on_progress(self, tally: Tally, watermark: int, workers: int) -> None:
        return None

    async def on_bulk_status(self, status: BulkStatus) -> None:
        return None

    async def on_bulk_in_flight(self, operations: list[BulkInFlight]) -> None:
        """The bulk operations started and not yet recorded changed (kept for a resume)."""
        return None

    async def on_record(self, session: AsyncSession, outcomes: Sequence[PushOutcome]) -> None:
        """Outcomes about to be recorded, in the recording transaction (the stored base is
        still the one they were pushed over)."""
        return None


class PushEngine:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: ShopifyClient,
        *,
        dialect: str,
        config: PushConfig | None = None,
        hooks: PushHooks | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.client = client
        self.dialect = dialect
        self.config = config or PushConfig()
        self.hooks = hooks or PushHooks()
        self.http = http or client.http
        self.autoscaler = Autoscaler(self.config.min_workers, self.config.max_workers)
        self._cost_per_request = 0.0
        self._pool: WorkerPool[Unit] | None = None
        self._bulk_running = 0
        self._bulk_most = 0
        self.publications = PublicationPusher(client, sessionmaker)

    async def run(
        self,
        scope: PushScope,
        mode: PushMode,
        after_id: int = 0,
        in_flight: Sequence[BulkInFlight] = (),
    ) -> PushReport:
        """Push `scope` after `after_id`; `in_flight`: bulk operations a previous run of this
        push started and did not record (a resumed bulk push collects them)."""
        with fewer_collections():
            return await self._run(scope, mode, after_id, in_flight)

    async def _run(
        self,
        scope: PushScope,
        mode: PushMode,
        after_id: int,
        in_flight: Sequence[BulkInFlight],
    ) -> PushReport:
        started = time.perf_counter()
        before = self.client.stats.as_dict()
        planner = Planner(scope, self.dialect)
        async with self.sessionmaker() as session:
            total = await planner.count(session, after_id)
            quantities_of = await inventory_scope(session, planner, scope)
        chosen = mode
        if mode == PushMode.auto:
            restore_rate = await plan_rate.restore_rate(self.client) if total else None
            chosen = choose_mode(total, restore_rate, self.config.bulk_timing)
        await self.hooks.on_start(total, chosen)
        watermark = Watermark(after_id)
        adopted = await self._adopt(in_flight, watermark) if chosen == PushMode.bulk else []
        carried = frozenset(product_id for a in adopted for product_id in a.carried)

        async def flushed(tally: Tally, mark: int) -> None:
            await self.hooks.on_progress(tally, mark, self._workers_now(chosen))

        buffer = RecordBuffer(self.sessionmaker, watermark, flushed, on_record=self.hooks.on_record)
        buffer.start()
        bulk_info: dict[str, Any] | None = None
        quantities = PartQuantities(self.sessionmaker, self.client, self.hooks.should_stop)
        try:
            units = self._units(planner, scope, chosen, watermark, buffer, carried)
            if chosen == PushMode.bulk:
                bulk_info = await self._run_bulk(
                    units, buffer, total - len(carried), adopted, quantities
                )
            else:
                await self._run_pool(units, chosen, buffer)
        finally:
            await buffer.close()
        inventory: InventoryPushReport | None = None
        if not self.hooks.should_stop():
            # Quantities go after the products: new variants have their Shopify ids by now, and
            # a product whose only change was its stock is sent here, not just marked synced.
            # In bulk mode each part's were sent as it was recorded: this pass finds the rest.
            inventory = quantities.report.add(
                await InventoryPusher(self.sessionmaker, self.client).run(quantities_of)
            )
        after = self.client.stats.as_dict()
        tally = buffer.tally
        return PushReport(
            mode=chosen.value,
            requested_mode=mode.value,
            total=total,
            pushed=tally.pushed,
            deleted=tally.deleted,
            failed=tally.failed,
            skipped=tally.skipped,
            seconds=round(time.perf_counter() - started, 3),
            api_calls=_delta(after, before, "requests"),
            cost_points=_delta(after, before, "cost_actual"),
            throttled=_delta(after, before, "throttled"),
            retries=_delta(after, before, "retries"),
            workers_min=self._workers_range(chosen)[0],
            workers_max=self._workers_range(chosen)[1],
            latency_ms=round(self.client.stats.latency_ewma * 1000, 1)
            if self.client.stats.latency_ewma is not None
            else None,
            stopped=self.hooks.should_stop(),
            watermark=watermark.value,
            bulk=bulk_info,
            inventory=inventory.as_dict() if inventory is not None else None,
            publications=self.publications.report.as_dict(),
            errors=tally.errors + (inventory.errors if inventory is not None else []),
        )

    # -- planning -----------------------------------------------------------------------------

    async def _units(
        self,
        planner: Planner,
        scope: PushScope,
        mode: PushMode,
        watermark: Watermark,
        buffer: RecordBuffer,
        carried: frozenset[int] = frozenset(),
    ) -> AsyncIterator[Unit]:
        """Requests to send, each a list of (page, operation); a batch may span two pages.

        Products in `carried` are left out: a bulk operation already holds them.
        """
        cursor = watermark.value
        carry: Unit = []
        maximum: float | None = None
        # A short first page gets the first requests out while the rest is still being planned.
        size = min(self.config.page_size, FIRST_PAGE_SIZE)
        while not self.hooks.should_stop():
            async with self.sessionmaker() as session:
                ids = await planner.page(session, cursor, size)
                wanted = [i for i in ids if i not in carried] if carried else ids
                items = await load_push_items(session, wanted)
            size = self.config.page_size
            if not ids:
                break
            cursor = ids[-1]
            if scope.only_changed:
                to_push, unchanged = split_unchanged(items)
            else:
                to_push, unchanged = items, []
            to_push, not_staged = await stage_local_images(self.client, self.config.images, to_push)
            redirect = self.config.redirect_handles
            ops = [operation_for(item, redirect) for item in to_push]
            page = watermark.open(ids[-1], len(ops) + len(unchanged) + len(not_staged))
            if unchanged:
                buffer.add_unchanged(page, unchanged)
            if not_staged:
                buffer.add(page, not_staged)
            entries = carry + [(page, op) for op in ops]
            maximum = self.client.pacer.maximum_available if self.client.pacer else None
            groups, rest = group_operations(
                [op for _, op in entries], mode, maximum, last=mode != PushMode.batch
            )
            start = 0
            for group in groups:
                yield entries[start : start + len(group)]
                start += len(group)
            carry = entries[start:]
            assert len(carry) == len(rest)
        if carry and not self.hooks.should_stop():
            groups, _ = group_operations([op for _, op in carry], mode, maximum)
            start = 0
            for group in groups:
                yield carry[start : start + len(group)]
                start += len(group)

    # -- request modes ------------------------------------------------------------------------

    async def _run_pool(
        self,
        units: AsyncIterator[Unit],
        mode: PushMode,
        buffer: RecordBuffer,
    ) -> None:
        sender = Sender(self.client, self.hooks.should_stop)

        async def handle(unit: Unit) -> None:
            ops = [op for _, op in unit]
            cost = sum(op.cost for op in ops)
            self._cost_per_request = (
                cost
                if not self._cost_per_request
                else self._cost_per_request + _COST_EWMA * (cost - self._cost_per_request)
            )
            outcomes = await sender.send(ops)
            await self.publications.after_set(outcomes)
            _add_by_page(buffer, unit, outcomes)

        fixed = 1 if mode == PushMode.sequential else None
        self._pool = WorkerPool(
            handle,
            target=(lambda: 1) if fixed else self._target,
            max_workers=1 if fixed else self.config.max_workers,
            should_stop=self.hooks.should_stop,
        )
        await self._pool.run(units)

    def _target(self) -> int:
        pacer = self.client.pacer
        budget = BudgetView(
            restore_rate=pacer.restore_rate if pacer else None,
            available=pacer.available_now() if pacer else 0.0,
            maximum=pacer.maximum_available if pacer else None,
        )
        return self.autoscaler.update(
            latency_seconds=self.client.stats.latency_ewma,
            cost_per_request=self._cost_per_request or 20.0,
            budget=budget,
        )

    async def _adopt(
        self, in_flight: Sequence[BulkInFlight], watermark: Watermark
    ) -> list[_Adopted]:
        """The previous run's bulk operations, to collect instead of sending their products.

        A product edited (or gone) since its line was sent is not recorded from that line and
        is planned again with its new content; one already recorded at the version sent (the
        previous run recorded it, then stopped before forgetting the operation) is neither
        recorded nor planned again. The adopted products share one page opened at the current
        watermark, so it cannot pass them before they are recorded.
        """
        in_flight = await self._resolve_pending(in_flight)
        if not in_flight:
            return []
        async with self.sessionmaker() as session:
            ids = sorted({i for record in in_flight for i in record.product_ids})
            items = {item.product_id: item for item in await load_push_items(session, ids)}
            rows = await session.execute(
                select(Product.id, Product.synced_version).where(Product.id.in_(ids))
            )
            synced = {row.id: row.synced_version for row in rows}
        adopted: list[_Adopted] = []
        for record in in_flight:
            ops: list[Operation | None] = []
            carried: list[int] = []
            for product_id, version in zip(record.product_ids, record.versions, strict=True):
                item = items.get(product_id)
                if item is None or item.version != version:
                    ops.append(None)
                    continue
                carried.append(product_id)
                ops.append(
                    None
                    if synced.get(product_id) == version
                    else operation_for(item, self.config.redirect_handles)
                )
            adopted.append(_Adopted(record, ops, [], carried))
        page = watermark.open(watermark.value, sum(op is not None for a in adopted for op in a.ops))
        for entry in adopted:
            entry.unit = [(page, op) for op in entry.ops if op is not None]
        return adopted

    async def _resolve_pending(self, in_flight: Sequence[BulkInFlight]) -> list[BulkInFlight]:
        """Operations whose start was asked but not answered get their id, if they started;
        those that did not (or cannot be told apart) are dropped: their products are planned
        again."""
        resolved: list[BulkInFlight] = []
        for record in in_flight:
            if record.shopify_id is None:
                pusher = BulkPusher(self.client)
                found = await pusher.started_after(record.after)
                if found is None:
                    continue
                record = record.model_copy(update={"shopify_id": found})
            resolved.append(record)
        return resolved

    async def _run_bulk(
        self,
        units: AsyncIterator[Unit],
        buffer: RecordBuffer,
        total: int,
        adopted: Sequence[_Adopted],
        quantities: PartQuantities,
    ) -> dict[str, Any]:
        """Parts through up to `bulk_slots` operations at a time, each recorded line by line.

        The products are split into parts (`modes.bulk_part_sizes`): a work queue that each slot
        takes the next part from as soon as its operation is final, so the operations run side
        by side and none runs alone at the end. A finished operation's results are downloaded
        and recorded, then its products' quantities sent (`PartQuantities`), in a task of their
        own while the slot's next operation runs; the next part is planned, hashed and uploaded
        meanwhile too. Every started operation is reported to `on_bulk_in_flight` (with its
        products) until its outcomes are committed: a push stopped or killed meanwhile leaves it
        running on Shopify, and the resumed push (`run(in_flight=…)`) collects it. Stopping
        does not wait for running operations.
        """
        sender = Sender(self.client, self.hooks.should_stop)
        pusher = BulkPusher(
            self.client,
            poll_interval=self.config.bulk_poll_interval,
            on_status=self._bulk_status,
        )
        timing = self.config.bulk_timing
        sizes = bulk_part_sizes(max(total, 1), timing)
        info: dict[str, Any] = {"operations": [], "slots": timing.slots, "part_sizes": sizes}
        in_flight: dict[str | None, BulkInFlight] = {a.record.shopify_id: a.record for a in adopted}
        starting = asyncio.Lock()  # one start at a time: an unanswered one can be found again
        uploaded: asyncio.Queue[tuple[Unit, str] | None] = asyncio.Queue(maxsize=1)
        planned = asyncio.Event()
        queued = 0  # parts uploaded and not yet taken by a slot
        moved = asyncio.Event()  # a part queued or taken, an operation running, planning done

        async def publish() -> None:
            await self.hooks.on_bulk_in_flight(list(in_flight.values()))

        async def queue(part: Unit) -> None:
            nonlocal queued
            path = await pusher.upload([op for _, op in part])
            queued += 1
            moved.set()
            await uploaded.put((part, path))

        async def plan_and_upload() -> None:
            pending: Unit = []
            parts = iter(sizes)
            size = next(parts)
            try:
                async for unit in units:
                    deletes = [entry for entry in unit if entry[1].kind == "delete"]
                    if deletes:
                        outcomes = await sender.send([op for _, op in deletes])
                        _add_by_page(buffer, deletes, outcomes)
                    pending.extend(entry for entry in unit if entry[1].kind == "set")
                    while len(pending) >= size:
                        part, pending = pending[:size], pending[size:]
                        await queue(part)
                        size = next(parts, size)
                if pending and not self.hooks.should_stop():
                    await queue(pending)
            finally:
                planned.set()
                moved.set()
            # Not in `finally`: cancelled (another task failed), the slots take nothing more,
            # and waiting for room in the queue would hold the task group open for ever.
            for _ in range(timing.slots):
                await uploaded.put(None)

        async def starts_first() -> None:
            """Wait while a slot is free and a part is still to start: the operations are what
            the push waits for, so their starts go before any part's quantities."""
            while (
                self._bulk_running < timing.slots
                and (queued or not planned.is_set())
                and not self.hooks.should_stop()
            ):
                moved.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(moved.wait(), STARTS_FIRST_POLL)

        async def collect(status: BulkStatus, ops: Sequence[Operation | None], unit: Unit) -> None:
            info["operations"].append(status.as_dict())
            outcomes = await pusher.results(status, ops)
            await self.publications.after_set(outcomes)
            await buffer.recorded(_add_by_page(buffer, unit, outcomes))
            del in_flight[status.id]
            await publish()
            await starts_first()
            await quantities.send(outcomes)

        async def finish(status: BulkStatus, ops: Sequence[Operation | None], unit: Unit) -> None:
            """Poll to the end; then the slot is free, and its results are collected aside."""
            self._bulk_running += 1
            self._bulk_most = max(self._bulk_most, self._bulk_running)
            moved.set()
            try:
                status = await pusher.poll(status, lines=len(ops), stopping=self.hooks.should_stop)
            finally:
                self._bulk_running -= 1
            if status.done:
                group.create_task(collect(status, ops, unit))
            # else stopped: it stays in flight for the resumed push to collect

        async def slot(previous: Sequence[_Adopted]) -> None:
            for entry in previous:
                if (shopify_id := entry.record.shopify_id) is None:
                    continue
                try:
                    status = await pusher.status(shopify_id)
                except ShopifyError:
                    # Gone (expired, say): its lines fail and stay pending for the next push.
                    status = BulkStatus(id=shopify_id, status="EXPIRED")
                await self._bulk_status(status)
                await finish(status, entry.ops, entry.unit)
            nonlocal queued
            while (taken := await uploaded.get()) is not None:
                queued -= 1
                moved.set()
                part, path = taken
                if self.hooks.should_stop():
                    continue  # never started: these products stay pending
                items = [op.item for _, op in part]
                async with starting:
                    if self.hooks.should_stop():
                        continue
                    # Kept before asking: a crash before the answer is saved cannot lose it.
                    in_flight[None] = BulkInFlight.of(None, items, after=await pusher.newest())
                    await publish()
                    status = await pusher.start(path)
                    del in_flight[None]
                    in_flight[status.id] = BulkInFlight.of(status.id, items)
                    await publish()
                await finish(status, [op for _, op in part], part)

        async with asyncio.TaskGroup() as group:
            group.create_task(plan_and_upload())
            for index in range(timing.slots):
                group.create_task(slot(adopted[index :: timing.slots]))
        info["most_at_once"] = self._bulk_most
        info["left_in_flight"] = [r.shopify_id for r in in_flight.values() if r.shopify_id]
        return info

    async def _bulk_status(self, status: BulkStatus) -> None:
        await self.hooks.on_bulk_status(status)

    def _workers_now(self, mode: PushMode) -> int:
        if mode == PushMode.bulk:
            return self._bulk_running
        return self._pool.size if self._pool is not None else 0

    def _workers_range(self, mode: PushMode) -> tuple[int, int]:
        if mode == PushMode.bulk:
            return (1, max(1, self._bulk_most))
        if mode == PushMode.sequential or self._pool is None:
            return (1, 1)
        return (self._pool.lowest, self._pool.highest)


def _add_by_page(buffer: RecordBuffer, unit: Unit, outcomes: list[PushOutcome]) -> int:
    """Hand outcomes to the recorder, one batch per page (pages complete independently); the
    mark `RecordBuffer.recorded` waits for."""
    if not unit:
        return 0
    current = unit[0][0]
    batch: list[PushOutcome] = []
    for (page, _), outcome in zip(unit, outcomes, strict=True):
        if page != current:
            buffer.add(current, batch)
            current, batch = page, []
        batch.append(outcome)
    return buffer.add(current, batch)


async def inventory_scope(
    session: AsyncSession, planner: Planner, scope: PushScope
) -> list[int] | None:
    """The products whose quantities this push sends (None: every linked product)."""
    if scope.product_ids is not None:
        return list(scope.product_ids)
    if scope.filter is None:
        return None
    ids: list[int] = []
    while page := await planner.page(session, ids[-1] if ids else 0, 10_000):
        ids.extend(page)
    return ids


def _delta(after: dict[str, Any], before: dict[str, Any], key: str) -> int:
    return int((after.get(key) or 0) - (before.get(key) or 0))
