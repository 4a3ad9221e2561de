"""Buffered recording of outcomes, and the resume watermark that follows it.

Candidates are read in id order, a page at a time. A page is complete once every one of its
products has been *recorded*; the watermark is the highest id such that every page up to it is
complete. Saved as the job's checkpoint, it is where a resumed or recovered push continues: a
product after it may have reached Shopify without being recorded, and pushing it again by id or
handle is harmless.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.kit.time import utcnow
from product_dashboard.sync.push import recorder
from product_dashboard.sync.push.items import PushItem
from product_dashboard.sync.push.recorder import PushOutcome

MAX_ERRORS_KEPT = 200


class Watermark:
    def __init__(self, start: int) -> None:
        self.value = start
        self._pages: OrderedDict[int, list[int]] = OrderedDict()  # page -> [max_id, remaining]
        self._next = 0

    def open(self, max_id: int, count: int) -> int:
        page = self._next
        self._next += 1
        self._pages[page] = [max_id, count]
        self._advance()
        return page

    def complete(self, page: int, count: int) -> None:
        entry = self._pages.get(page)
        if entry is not None:
            entry[1] -= count
            self._advance()

    def _advance(self) -> None:
        while self._pages:
            page, (max_id, remaining) = next(iter(self._pages.items()))
            if remaining > 0:
                return
            self.value = max(self.value, max_id)
            del self._pages[page]


@dataclass
class Tally:
    pushed: int = 0
    deleted: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.pushed + self.deleted


ProgressCallback = Callable[[Tally, int], Awaitable[None]]
RecordCallback = Callable[[AsyncSession, Sequence[PushOutcome]], Awaitable[None]]


class RecordBuffer:
    """Collects outcomes from workers and writes them in batches from a single task."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        watermark: Watermark,
        on_flush: ProgressCallback,
        interval: float = 0.05,
        on_record: RecordCallback | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.watermark = watermark
        self._on_flush = on_flush
        self._on_record = on_record  # in the recording transaction, before anything is recorded
        self._interval = interval
        self._outcomes: list[tuple[int, list[PushOutcome]]] = []
        self._unchanged: list[tuple[int, list[PushItem]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._added = 0
        self._recorded = 0
        self._flushed = asyncio.Event()
        self.tally = Tally()

    def add(self, page: int, outcomes: list[PushOutcome]) -> int:
        """Queue outcomes for the next flush; the mark `recorded` waits for."""
        self._outcomes.append((page, outcomes))
        self._added += 1
        self._wakeup.set()
        return self._added

    async def recorded(self, mark: int) -> None:
        """Wait until the outcomes added up to `mark` are committed."""
        while self._recorded < mark:
            if self._task is None or self._task.done():
                raise RuntimeError("the push recorder stopped before recording every outcome")
            self._flushed.clear()
            if self._recorded >= mark:
                return
            with suppress(TimeoutError):
                await asyncio.wait_for(self._flushed.wait(), 1.0)

    def add_unchanged(self, page: int, items: list[PushItem]) -> None:
        self._unchanged.append((page, items))
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="push-recorder")

    async def close(self) -> None:
        """Write everything still buffered, then stop."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task

    async def _loop(self) -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), 1.0)
            self._wakeup.clear()
            await self.flush()
            if self._closing and not self._outcomes and not self._unchanged:
                return
            await asyncio.sleep(self._interval)

    async def flush(self) -> None:
        outcomes, self._outcomes = self._outcomes, []
        unchanged, self._unchanged = self._unchanged, []
        if not outcomes and not unchanged:
            return
        flat = [o for _, batch in outcomes for o in batch]
        items = [i for _, batch in unchanged for i in batch]
        at = utcnow()
        async with self._sessionmaker() as session, session.begin():
            if self._on_record is not None and flat:
                await self._on_record(session, flat)
            await recorder.record(session, flat, at)
            await recorder.mark_unchanged(session, items, at)
        self._count(flat, items)
        self._recorded += len(outcomes)
        self._flushed.set()
        for page, batch in outcomes:
            self.watermark.complete(page, len(batch))
        for page, skipped in unchanged:
            self.watermark.complete(page, len(skipped))
        await self._on_flush(self.tally, self.watermark.value)

    def _count(self, outcomes: Sequence[PushOutcome], unchanged: Sequence[PushItem]) -> None:
        tally = self.tally
        tally.skipped += len(unchanged)
        for outcome in outcomes:
            if not outcome.ok:
                tally.failed += 1
                if len(tally.errors) < MAX_ERRORS_KEPT:
                    tally.errors.append(
                        {"product_id": outcome.item.product_id, "error": outcome.error}
                    )
            elif outcome.item.deleted:
                tally.deleted += 1
            else:
                tally.pushed += 1
