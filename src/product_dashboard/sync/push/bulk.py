"""Push through bulk mutations: JSONL upload, `bulkOperationRunMutation`, poll, read results.

The steps are `shopify.bulk`'s; this adds what the push needs: one operation per chunk split
into `upload` (may run ahead, while other chunks' operations run), `start` (waits while every one
of the shop's bulk slots is taken, by us or anyone), `poll` (with a status callback, to a final
status or until the push stops) and `results` (one outcome per line, checked line by line).
`BulkInFlight` is what a push's checkpoint keeps of each started operation, so a resumed push
collects its results instead of sending its products again. Every line identifies its product
by Shopify id or handle, so running a chunk again updates rather than duplicates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from product_dashboard.job.typed import JobModel
from product_dashboard.shopify.bulk import (
    BulkOperation,
    cancel_bulk_operation,
    get_bulk_operation,
    iter_jsonl,
    recent_bulk_operations,
    run_bulk_mutation,
    staged_upload,
    start_when_a_slot_frees,
)
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import PUSH_PRODUCT_SET_LINE
from product_dashboard.shopify.errors import ShopifyError
from product_dashboard.shopify.patience import patiently
from product_dashboard.sync.push.documents import Operation
from product_dashboard.sync.push.items import PushItem
from product_dashboard.sync.push.recorder import PushOutcome
from product_dashboard.sync.push.sender import outcome_from_bulk_line


@dataclass
class BulkStatus:
    """What the push reports of one bulk operation."""

    id: str
    status: str
    error_code: str | None = None
    object_count: int = 0
    url: str | None = None
    partial_data_url: str | None = None

    @classmethod
    def from_operation(cls, operation: BulkOperation) -> BulkStatus:
        return cls(
            id=operation.id,
            status=operation.status,
            error_code=operation.error_code,
            object_count=operation.object_count,
            url=operation.url,
            partial_data_url=operation.partial_data_url,
        )

    @property
    def done(self) -> bool:
        return self.status in ("COMPLETED", "CANCELED", "FAILED", "EXPIRED")

    def as_dict(self) -> dict[str, Any]:
        return {
            "shopify_id": self.id,
            "status": self.status,
            "error_code": self.error_code,
            "object_count": self.object_count,
        }


class BulkInFlight(JobModel):
    """A started bulk operation and the products of its lines, in line order.

    `versions` are the products' versions as sent: a product edited since is not recorded from
    this operation's line (what Shopify holds is not its current version) and is pushed again.
    `shopify_id` is None while the start is asked and not yet answered; `after` is then the
    newest bulk mutation before it (starts are asked one at a time), so a resumed push finds the
    operation, if it started, as the only one newer (`BulkPusher.started_after`).
    """

    shopify_id: str | None
    product_ids: list[int]
    versions: list[int]
    after: str | None = None

    @classmethod
    def of(
        cls, shopify_id: str | None, items: Sequence[PushItem], *, after: str | None = None
    ) -> BulkInFlight:
        return cls(
            shopify_id=shopify_id,
            product_ids=[item.product_id for item in items],
            versions=[item.version for item in items],
            after=after,
        )


OnStatus = Callable[[BulkStatus], Awaitable[None]]
SHORTEST_POLL = 0.02
YIELD_EVERY_LINES = 200


def next_poll_delay(
    status: BulkStatus, lines: int | None, elapsed: float, interval: float
) -> float:
    """`interval`, or less when the lines done so far, at their rate, say the rest ends sooner."""
    if not lines or status.object_count <= 0 or elapsed <= 0:
        return interval
    rate = status.object_count / elapsed
    remaining = max(lines - status.object_count, 0) / rate
    return min(interval, max(remaining, SHORTEST_POLL))


class BulkPusher:
    def __init__(
        self,
        client: ShopifyClient,
        http: httpx.AsyncClient | None = None,
        *,
        poll_interval: float = 0.25,
        on_status: OnStatus | None = None,
    ) -> None:
        # Uploads and downloads go through `client.http`; `http` is accepted for callers that
        # passed the same client explicitly.
        self.client = client
        self.poll_interval = poll_interval
        self._on_status = on_status

    async def push(self, ops: Sequence[Operation]) -> list[PushOutcome]:
        """Run one bulk mutation over `ops` (all productSet) and return their outcomes."""
        status = await self.run(await self.upload(ops), lines=len(ops))
        return await self.results(status, ops)

    async def upload(self, ops: Sequence[Operation]) -> str:
        """Stage the JSONL variables of `ops`; returns the path `run` takes."""
        lines = (
            {"input": op.variables["input"], "identifier": op.variables["identifier"]} for op in ops
        )
        return await staged_upload(self.client, lines, filename="push.jsonl")

    async def run(self, staged_upload_path: str, *, lines: int | None = None) -> BulkStatus:
        """Start the bulk mutation, then poll until it is final."""
        return await self.poll(await self.start(staged_upload_path), lines=lines)

    async def start(self, staged_upload_path: str) -> BulkStatus:
        """Start the bulk mutation, waiting while all the shop's bulk slots are taken."""
        # Only someone else's operations can fill the slots (ours never exceed them).
        operation = await start_when_a_slot_frees(
            lambda: patiently(
                lambda: run_bulk_mutation(
                    self.client, staged_upload_path, mutation=PUSH_PRODUCT_SET_LINE
                )
            ),
            interval=self.poll_interval,
        )
        assert operation is not None  # never stopping
        status = BulkStatus.from_operation(operation)
        if self._on_status is not None:
            await self._on_status(status)
        return status

    async def poll(
        self,
        status: BulkStatus,
        *,
        lines: int | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> BulkStatus:
        """Poll until the operation is final, or `stopping()` (then its last status, not final).

        With `lines` (how many the upload holds), the wait between polls shrinks to when the
        operation's own progress (`objectCount` over time) says it will end, so its slot is
        handed to the next chunk without delay.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        while not status.done and not stopping():
            elapsed = loop.time() - started
            await asyncio.sleep(next_poll_delay(status, lines, elapsed, self.poll_interval))
            status = await self.status(status.id, stopping=stopping)
            if self._on_status is not None:
                await self._on_status(status)
        return status

    async def newest(self) -> str | None:
        """The id of the app's newest bulk mutation, if any."""
        recent = await recent_bulk_operations(self.client)
        return recent[0].id if recent else None

    async def started_after(self, after: str | None) -> str | None:
        """The one bulk mutation newer than `after` (None: when there is none, or several)."""
        newer: list[str] = []
        for operation in await recent_bulk_operations(self.client):
            if operation.id == after:
                break
            newer.append(operation.id)
        return newer[0] if len(newer) == 1 else None

    async def status(
        self, operation_id: str, *, stopping: Callable[[], bool] = lambda: False
    ) -> BulkStatus:
        """The operation's status; an open circuit breaker is waited out (the operation runs on
        at Shopify whatever our breaker says)."""
        found = await patiently(
            lambda: get_bulk_operation(self.client, operation_id), stopping=stopping
        )
        if found is None:
            raise ShopifyError(f"bulk operation {operation_id} vanished")
        return BulkStatus.from_operation(found)

    async def results(
        self, status: BulkStatus, ops: Sequence[Operation | None]
    ) -> list[PushOutcome]:
        """One outcome per operation, in line order (None: a line not to record, skipped);
        each line is checked, and lines the operation never ran fail."""
        lines: dict[int, dict[str, Any]] = {}
        url = status.url or status.partial_data_url
        if url:
            read = 0
            async for line in iter_jsonl(self.client, url):
                number = line.get("__lineNumber")
                if isinstance(number, int):
                    lines[number] = line
                read += 1
                if read % YIELD_EVERY_LINES == 0:
                    # A downloaded file parses without a pause: let the operation running
                    # meanwhile be polled and the next one started on time.
                    await asyncio.sleep(0)
        missing = f"Bulk operation {status.status.lower()} before this product ran."
        outcomes: list[PushOutcome] = []
        for index, op in enumerate(ops):
            if index % YIELD_EVERY_LINES == YIELD_EVERY_LINES - 1:
                await asyncio.sleep(0)
            if op is None:
                continue
            found = lines.get(index)
            outcomes.append(
                outcome_from_bulk_line(op, found)
                if found is not None
                else PushOutcome(item=op.item, ok=False, error=missing)
            )
        return outcomes

    async def cancel(self, operation_id: str) -> None:
        await cancel_bulk_operation(self.client, operation_id)
