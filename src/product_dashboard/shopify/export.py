"""A bulk export of products split by id range into parts run side by side, one per bulk slot.

    parts, total = await plan_export(client, search, slots=5)
    run = await ExportRun(client, parts, hooks).run(apply_part)   # None: stopped first

Shopify runs up to five bulk operations per shop side by side, so an export split into five
parts of equal size ends in about a fifth of the time. Product ids grow with creation time but
not evenly (an import adds thousands in a day, then a few a week), so equal id *widths* would
leave one part holding most of the catalog and running alone. The plan therefore counts:

1. one request: how many products match, the lowest and the highest id;
2. the span cut into `PROBES_PER_SLOT` times `slots` pieces of equal width, each counted
   (`productsCount(query: "id:>=a AND id:<b")`, concurrently: a count costs one point);
3. pieces still holding more than a quarter of a part's share cut again, once;
4. the pieces grouped, in id order, into `slots` parts of about `total / slots` products
   (each cut at the piece boundary nearest its share).

A catalog too small to be worth more than one operation (`MIN_PER_PART` per part) is one part.
Each part is an `ExportPart`: its search (and the id range it covers), and what the caller has
done with it (the bulk
operation, when it started, how many of its products were applied, whether all were), kept in
the caller's job checkpoint so a resumed run collects each part where it stopped.

`ExportRun` starts the parts one at a time (each saved through `hooks.on_started` before the
next is asked for, each in its turn with an export run beside it, `hooks.before_start`, and
waiting while another app holds every slot), waits for them side by side, and hands each
completed operation to the caller's `apply_part` in completion order (one at a time: the
applying side is the database's single writer). A part whose operation Shopify no
longer has (expired, failed, unknown) is exported again; the others are waited for as they are.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from product_dashboard.shopify.bulk import (
    BulkOperation,
    get_bulk_operation,
    run_bulk_query,
    start_when_a_slot_frees,
)
from product_dashboard.shopify.bulk_status import StatusBoard
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import (
    PRODUCTS_COUNT,
    PRODUCTS_ID_SPAN,
    VARIANTS_COUNT,
    VARIANTS_ID_SPAN,
    bulk_products_query,
    bulk_variants_query,
)

PROBES_PER_SLOT = 8
# Below this many products per part, one more bulk operation saves less than it costs.
MIN_PER_PART = 50


Rows = Literal["products", "variants"]


class IdRange(BaseModel):
    """`low <= id < high`, either bound open (None)."""

    low: int | None = None
    high: int | None = None

    def holds(self, number: int) -> bool:
        above = self.low is None or number >= self.low
        return above and (self.high is None or number < self.high)


class ExportPart(BaseModel):
    """One bulk query of an export and how far the pull got with it."""

    rows: Rows = "products"
    """What it exports: products, or variants' metafields and media
    (`documents.bulk_variants_query`, which the products query cannot nest); `search` filters
    either."""
    search: str | None = None
    operation_id: str | None = None
    started_at: str | None = None
    """Our clock just before the operation was asked for (what deletions compare links to)."""
    applied: int = 0
    """Its first `applied` products are applied (skipped when the part is streamed again)."""
    done: bool = False
    """Every product of it was applied."""
    ids: IdRange | None = None
    """The ids its search covers, when split by id range (None: one part, or filtered by ids)."""


@dataclass(frozen=True, slots=True)
class _Piece:
    low: int  # inclusive
    high: int  # exclusive
    count: int


def product_number(gid: str) -> int:
    """The numeric id of `gid://shopify/Product/123` (or of any other gid)."""
    return int(gid.rsplit("/", 1)[-1].split("?", 1)[0])


def id_range_filter(low: int | None, high: int | None) -> str | None:
    """Shopify search syntax for `low <= id < high` (either bound may be open)."""
    terms = ([f"id:>={low}"] if low is not None else []) + (
        [f"id:<{high}"] if high is not None else []
    )
    return " AND ".join(terms) or None


def _joined(search: str | None, extra: str | None) -> str | None:
    parts = [part for part in (search, extra) if part]
    return " AND ".join(parts) or None


# Per kind of row: the count document and its field, and the id span document.
_COUNTING: dict[Rows, tuple[str, str, str]] = {
    "products": (PRODUCTS_COUNT, "productsCount", PRODUCTS_ID_SPAN),
    "variants": (VARIANTS_COUNT, "total", VARIANTS_ID_SPAN),
}


async def count_matching(client: ShopifyClient, search: str | None, rows: Rows = "products") -> int:
    """How many products (or variants) `search` matches (None: all); one point."""
    document, field, _ = _COUNTING[rows]
    response = await client.execute(document, {"query": search})
    return int((response.data.get(field) or {}).get("count") or 0)


async def _cut(
    client: ShopifyClient, search: str | None, piece: _Piece, ways: int, rows: Rows
) -> list[_Piece]:
    """`piece` cut into up to `ways` pieces of equal id width, each counted."""
    width = max(1, math.ceil((piece.high - piece.low) / ways))
    spans = list(itertools.pairwise([*range(piece.low, piece.high, width), piece.high]))
    counts = await asyncio.gather(
        *(
            count_matching(client, _joined(search, id_range_filter(lo, hi)), rows)
            for lo, hi in spans
        )
    )
    return [_Piece(lo, hi, n) for (lo, hi), n in zip(spans, counts, strict=True) if n]


def _group(pieces: Sequence[_Piece], total: int, slots: int) -> list[tuple[int, int]]:
    """Consecutive pieces grouped into at most `slots` id ranges of about `total / slots`: each
    cut falls at the piece boundary whose running count is nearest its share."""
    running = list(itertools.accumulate(piece.count for piece in pieces))
    cuts: list[int] = []  # index of the last piece of each group but the last
    for k in range(1, min(slots, len(pieces))):
        first = cuts[-1] + 1 if cuts else 0
        last = len(pieces) - 1 - (min(slots, len(pieces)) - k)  # pieces left for the rest
        if first > last:
            break
        target = total * k / slots
        cuts.append(min(range(first, last + 1), key=lambda i: abs(running[i] - target)))
    starts = [0, *(cut + 1 for cut in cuts)]
    ends = [*cuts, len(pieces) - 1]
    return [(pieces[a].low, pieces[b].high) for a, b in zip(starts, ends, strict=True)]


async def plan_export(
    client: ShopifyClient, search: str | None, slots: int, rows: Rows = "products"
) -> tuple[list[ExportPart], int]:
    """The parts of an export of the products (or variants) matching `search`, and how many
    match."""
    response = await client.execute(_COUNTING[rows][2], {"query": search})
    data = response.data
    total = int((data.get("total") or {}).get("count") or 0)
    lowest = (data.get("lowest") or {}).get("nodes") or []
    highest = (data.get("highest") or {}).get("nodes") or []
    parts = min(slots, total // MIN_PER_PART)
    if parts <= 1 or not lowest or not highest:
        return [ExportPart(rows=rows, search=search)], total
    span = _Piece(product_number(lowest[0]["id"]), product_number(highest[0]["id"]) + 1, total)
    pieces = await _cut(client, search, span, PROBES_PER_SLOT * parts, rows)
    share = total / parts
    refined: list[_Piece] = []
    for piece in pieces:
        if piece.count > share / 4 and piece.high - piece.low > 1:
            refined.extend(await _cut(client, search, piece, 2 * PROBES_PER_SLOT, rows))
        else:
            refined.append(piece)
    ranges = _group(refined, sum(piece.count for piece in refined), parts)
    # The outer bounds stay open: a product created meanwhile outside the span is exported too.
    bounds: list[tuple[int | None, int | None]] = list(ranges)
    bounds[0] = (None, bounds[0][1])
    bounds[-1] = (bounds[-1][0], None)
    parts_planned = [
        ExportPart(
            rows=rows,
            search=_joined(search, id_range_filter(low, high)),
            ids=IdRange(low=low, high=high),
        )
        for low, high in bounds
    ]
    return parts_planned, total


_USABLE = frozenset({"CREATED", "RUNNING", "COMPLETED"})
# Seconds between tries while another app holds every bulk slot (ours ending wakes it sooner).
SLOT_WAIT = 1.0


class ExportHooks:
    """What an export tells its caller; the default never stops and keeps nothing."""

    def should_stop(self) -> bool:
        return False

    async def on_started(self, parts: Sequence[ExportPart]) -> None:
        """A part's operation started: keep `parts` (a crash must not lose it)."""
        return None

    async def on_status(self, operation: BulkOperation) -> None:
        return None

    async def before_start(self, part: ExportPart) -> None:
        """Wait until `part` may be asked for (an export beside this one takes turns with it)."""
        return None


@dataclass(frozen=True, slots=True)
class ExportResult:
    operations: list[BulkOperation]
    """Each part's last known operation, in part order."""
    linked_before: datetime
    """Our clock before the first part started."""
    position: datetime | None
    """Shopify's clock when the first part started (`createdAt`)."""


ApplyPart = Callable[[ExportPart, BulkOperation], Awaitable[bool]]
"""Apply a completed part's products (skipping `part.applied`); False when stopped meanwhile."""


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class ExportRun:
    def __init__(
        self,
        client: ShopifyClient,
        parts: Sequence[ExportPart],
        hooks: ExportHooks | None = None,
        *,
        board: StatusBoard | None = None,
    ) -> None:
        self.client = client
        self.parts = list(parts)
        self.hooks = hooks or ExportHooks()
        self.board = board or StatusBoard(client)
        """Reads the parts' statuses (shared with a run beside this one: one request a tick)."""
        self.statuses: dict[int, BulkOperation] = {}
        self._starting = asyncio.Lock()  # one start at a time, each saved before the next

    @property
    def operations(self) -> list[BulkOperation]:
        return [self.statuses[i] for i in sorted(self.statuses)]

    async def run(self, apply_part: ApplyPart) -> ExportResult | None:
        """Every part exported and applied; None when stopped first (the parts' operations run
        on in Shopify, and a run over the same parts collects them). A part that ends other
        than COMPLETED raises BulkOperationError."""
        finished: asyncio.Queue[tuple[int, BulkOperation | BaseException | None]] = asyncio.Queue()

        async def wait(index: int) -> None:
            try:
                outcome: BulkOperation | BaseException | None = await self._export(index)
            except Exception as exc:  # raised on the applying side
                outcome = exc
            await finished.put((index, outcome))

        tasks = [asyncio.create_task(wait(i)) for i in range(len(self.parts))]
        stopped = False
        try:
            for _ in self.parts:
                index, outcome = await finished.get()
                if isinstance(outcome, BaseException):
                    raise outcome
                if outcome is None:
                    stopped = True
                    continue
                outcome.raise_for_status()
                if stopped:
                    continue  # the part waits in the caller's checkpoint
                part = self.parts[index]
                if not await apply_part(part, outcome):
                    stopped = True
                    continue
                part.done = True
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if stopped:
            return None
        started = [_time(part.started_at) for part in self.parts]
        created = [_time(operation.created_at) for operation in self.operations]
        return ExportResult(
            operations=self.operations,
            linked_before=min(t for t in started if t is not None),
            position=min((t for t in created if t is not None), default=None),
        )

    async def _export(self, index: int) -> BulkOperation | None:
        part = self.parts[index]
        operation: BulkOperation | None = None
        if part.operation_id and part.started_at:
            operation = await get_bulk_operation(self.client, part.operation_id)
            if operation is not None and operation.status not in _USABLE:
                operation = None
        if operation is None:
            operation = await self._start(part)
            if operation is None:
                return None
        return await self._wait(index, operation.id)

    async def _start(self, part: ExportPart) -> BulkOperation | None:
        async with self._starting:
            await self.hooks.before_start(part)
            if self.hooks.should_stop():
                return None
            started_at = datetime.now(UTC)
            query = (
                bulk_variants_query(part.search)
                if part.rows == "variants"
                else bulk_products_query(part.search)
            )
            operation = await start_when_a_slot_frees(
                lambda: run_bulk_query(self.client, query),
                interval=SLOT_WAIT,
                stopping=self.hooks.should_stop,
                pause=self.board.until_one_ends,
            )
            if operation is None:
                return None
            part.operation_id, part.started_at = operation.id, started_at.isoformat()
            part.applied, part.done = 0, False
            await self.hooks.on_started(self.parts)
            return operation

    async def _wait(self, index: int, operation_id: str) -> BulkOperation | None:
        """Poll until the operation ends; None when asked to stop first (it keeps running)."""
        while True:
            operation = await self.board.next_status(operation_id)
            if operation is None:
                raise LookupError(f"bulk operation {operation_id} not found")
            self.statuses[index] = operation
            await self.hooks.on_status(operation)
            if operation.done:
                return operation
            if self.hooks.should_stop():
                return None
