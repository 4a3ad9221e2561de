"""Push modes, the automatic choice between them, and how each groups operations into requests.

- sequential: one `productSet` per request, one request at a time.
- parallel:   one `productSet` per request, 2-10 concurrent workers (autoscaled).
- batch:      several aliased mutations per request (requested cost ≤ the 1,000-point cap, and
              ≤ a quarter of the bucket so small plans stay smooth), 2-10 workers. A request's
              size is cut to a multiple of `BATCH_QUANTUM` (the rest opens the next request)
              so a run sends few distinct documents: Shopify, like the emulator, parses and
              validates each distinct document text once.
- bulk:       one JSONL file, `bulkOperationRunMutation`; no per-request cost at all.

`auto` rule (documented in `choose_mode`, tested at 100, 1,000 and 20,000 products on Standard
and Plus): fewer than `AUTO_BATCH_FROM` products → parallel (nothing to batch); otherwise whichever
of batch and bulk the estimate of `batch_seconds` and `bulk_seconds` says ends sooner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from product_dashboard.shopify.bulk import MAX_BULK_OPERATIONS
from product_dashboard.shopify.cost import MAX_QUERY_COST
from product_dashboard.sync.push.documents import Operation


class PushMode(StrEnum):
    auto = "auto"
    sequential = "sequential"
    parallel = "parallel"
    batch = "batch"
    bulk = "bulk"


AUTO_BATCH_FROM = 10
# What one productSet of a demo-sized product (six variants, a few metafields) costs under
# Shopify's dynamic productSet cost (bench/sync_bench.py, batch on the Standard plan: 19.5 actual
# points per product), and how fast batch requests go while the bucket still holds points
# (measured against the emulator at 50 ms latency: ~200 products/s).
POINTS_PER_PRODUCT = 20.0
BATCH_PRODUCTS_PER_SECOND = 200.0
# Shopify's bucket holds 20 s of restore on every plan (observed; the emulator does the same).
BUCKET_SECONDS = 20.0
# With no known restore rate, bulk only from this size (the old rule's ceiling).
BULK_UNKNOWN_PLAN_FROM = 5000
MAX_BATCH_SIZE = 100
BATCH_QUANTUM = 8
# Leave room under the hard cap so Shopify's own requested cost (which may be a little above
# our estimate) never trips MAX_COST_EXCEEDED.
BATCH_COST_CAP = MAX_QUERY_COST - 50


@dataclass(frozen=True)
class BulkTiming:
    """How fast Shopify runs bulk mutations, as the dashboard assumes it.

    Defaults are what merchants report for real bulk mutations (the emulator's defaults, see
    emulator/README.md): 20 lines/s per operation after 5 s of start-up, five operations at a
    time per shop, at most `chunk_size` lines per operation. `collect_seconds_per_line` is our
    side's work once an operation is final, per line: download, record, send its product's
    quantities. Measured by bench/sync_bench.py for a demo product of six variants at 50 ms
    latency: ~8 ms while each part's inventory items were looked up and levels read; since the
    lines read them, 0.2-0.7 s a part of 50-200 products at load 12 on 2 cores, mostly per part
    (2 ms a line is taken, erring towards fewer parts: each costs a start-up).
    """

    lines_per_second: float = 20.0
    startup_seconds: float = 5.0
    slots: int = MAX_BULK_OPERATIONS
    chunk_size: int = 25_000
    collect_seconds_per_line: float = 0.002


def batch_seconds(count: int, restore_rate: float) -> float:
    """Batch push of `count` products: request time plus waiting for the bucket to refill.

        t_batch = n / BATCH_PRODUCTS_PER_SECOND
                  + max(0, n · POINTS_PER_PRODUCT / r - BUCKET_SECONDS)

    (r: the plan's restore rate in points/s; the full bucket, BUCKET_SECONDS · r points, is spent
    first without waiting).
    """
    drain = count * POINTS_PER_PRODUCT / restore_rate - BUCKET_SECONDS
    return count / BATCH_PRODUCTS_PER_SECOND + max(0.0, drain)


def bulk_seconds(count: int, timing: BulkTiming) -> float:
    """Bulk push of `count` products split over the shop's slots (`bulk_chunk_plan`):

        t_bulk = waves · startup + ceil(n / chunks) / lines_per_second

    where chunks = `bulk_chunk_plan(n, timing)`'s count and waves = ceil(chunks / slots): each
    wave of up to `slots` operations runs side by side, each paying its start-up once. The
    shorter waves `bulk_part_sizes` cuts the last wave into are left out, as is the collection
    they overlap: each is cut only where it saves more collection time than its start-up costs.
    """
    chunks, size = bulk_chunk_plan(count, timing)
    waves = math.ceil(chunks / timing.slots) if chunks else 0
    rate = timing.lines_per_second
    running = waves * size / rate if rate > 0 else 0.0
    return waves * timing.startup_seconds + running


def bulk_chunk_plan(count: int, timing: BulkTiming) -> tuple[int, int]:
    """(chunks, lines per chunk) for a bulk push of `count` products.

    As many chunks as the slots (fewer when there are fewer products), more only when a chunk
    would exceed `chunk_size`, and then a multiple of the slots; sizes are equal (the last one
    may be a little smaller), so every wave's operations end together and none runs alone.
    """
    if count <= 0:
        return 0, 0
    slots = max(1, timing.slots)
    waves = math.ceil(count / (slots * max(1, timing.chunk_size)))
    chunks = min(count, slots * waves)
    return chunks, math.ceil(count / chunks)


def bulk_part_sizes(count: int, timing: BulkTiming) -> list[int]:
    """The parts of a bulk push of `count` products, in the order free slots take them.

    `bulk_chunk_plan`'s equal chunks, the last wave's cut into halving waves (2,000, 1,000,
    500, … lines per slot): each wave is collected while the next, shorter one runs, so
    only the last, small wave's collection is left after Shopify's work ends. A wave is halved
    again while collecting the half (`collect_seconds_per_line` for each slot's lines) would
    take longer than the start-up an extra operation costs.
    """
    chunks, size = bulk_chunk_plan(count, timing)
    if not chunks:
        return []
    slots = min(max(1, timing.slots), chunks)
    pieces: list[int] = []
    rest = size
    while (half := rest // 2) and (
        slots * half * timing.collect_seconds_per_line > timing.startup_seconds
    ):
        pieces.append(rest - half)
        rest = half
    pieces.append(rest)
    return [size] * (chunks - slots) + [piece for piece in pieces for _ in range(slots)]


def bulk_threshold(restore_rate: float | None, timing: BulkTiming | None = None) -> int:
    """The smallest push (from AUTO_BATCH_FROM) `auto` sends as bulk, by `choose_mode`'s rule."""
    if restore_rate is None:
        return BULK_UNKNOWN_PLAN_FROM
    timing = timing or BulkTiming()
    low, high = AUTO_BATCH_FROM, 1
    while batch_seconds(high, restore_rate) <= bulk_seconds(high, timing):
        high *= 2
        if high > 10_000_000:
            return high
    low = max(low, high // 2)
    while low < high:  # t_bulk - t_batch only falls as n grows once the bucket is spent
        middle = (low + high) // 2
        if batch_seconds(middle, restore_rate) > bulk_seconds(middle, timing):
            high = middle
        else:
            low = middle + 1
    return low


def choose_mode(
    count: int, restore_rate: float | None, timing: BulkTiming | None = None
) -> PushMode:
    """The `auto` rule: the mode whose estimated time for `count` products is shorter.

    - count < AUTO_BATCH_FROM → parallel;
    - restore rate unknown → bulk from BULK_UNKNOWN_PLAN_FROM products, batch below;
    - otherwise bulk when t_bulk(n) < t_batch(n) (`bulk_seconds`, `batch_seconds`), else batch.

    On the Standard plan (100 points/s) with Shopify's bulk timing, a 500-product push is
    estimated at ~82 s batched and ~10 s in bulk (five operations of 100 lines; measured by
    bench/sync_bench.py: 78 s and 10.6 s); on Plus (1,000 points/s) batch wins up to about
    1,700 products, whose bucket and restore cover them.
    """
    if count < AUTO_BATCH_FROM:
        return PushMode.parallel
    if restore_rate is None:
        return PushMode.bulk if count >= BULK_UNKNOWN_PLAN_FROM else PushMode.batch
    timing = timing or BulkTiming()
    if bulk_seconds(count, timing) < batch_seconds(count, restore_rate):
        return PushMode.bulk
    return PushMode.batch


def batch_cost_cap(maximum_available: float | None) -> int:
    if maximum_available is None:
        return BATCH_COST_CAP
    return int(max(50, min(BATCH_COST_CAP, maximum_available / 4)))


def group_operations(
    ops: Sequence[Operation], mode: PushMode, maximum_available: float | None, *, last: bool = True
) -> tuple[list[list[Operation]], list[Operation]]:
    """(requests, rest): one request per operation, or cost-capped batches in batch/bulk mode.

    In batch mode, unless `last`, the trailing partial batch is returned as `rest` to be
    grouped again with the next operations.
    """
    if mode not in (PushMode.batch, PushMode.bulk):
        return [[op] for op in ops], []
    cap = batch_cost_cap(maximum_available)
    quantum = BATCH_QUANTUM if mode == PushMode.batch else 1
    batches: list[list[Operation]] = []
    start, count = 0, len(ops)
    while start < count:
        end, cost = start, 0
        while end < count and end - start < MAX_BATCH_SIZE:
            if end > start and cost + ops[end].cost > cap:
                break
            cost += ops[end].cost
            end += 1
        full = end < count or end - start >= MAX_BATCH_SIZE
        if not full and not last:
            return batches, list(ops[start:])
        size = end - start
        if end < count and size >= quantum:
            size -= size % quantum
        batches.append(list(ops[start : start + size]))
        start += size
    return batches, []
