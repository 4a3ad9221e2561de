"""Push modes, the automatic choice between them, and how each groups operations into requests.

- sequential: one `productSet` per request, one request at a time.
- parallel:   one `productSet` per request, 2-10 concurrent workers (autoscaled).
- batch:      several aliased mutations per request (requested cost ≤ the 1,000-point cap, and
              ≤ a quarter of the bucket so small plans stay smooth), 2-10 workers. A request's
              size is cut to a multiple of `BATCH_QUANTUM` (the rest opens the next request)
              so a run sends few distinct documents: Shopify, like the emulator, parses and
              validates each distinct document text once.
- bulk:       one JSONL file, `bulkOperationRunMutation`; no per-request cost at all.

`auto` rule (documented, tested at three sizes): fewer than `AUTO_BATCH_FROM` products →
parallel (nothing to batch); from `bulk_threshold(restore_rate)` products on → bulk; otherwise
batch. Bulk pays a fixed start-up (upload, queueing, polling) but spends no cost points, so the
smaller the plan's restore rate, the sooner it wins: the threshold is 20 seconds of the plan's
batched throughput (≈ restore rate / 12 points per product x 20 s), at least 200 products and at
most 5,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from product_dashboard.shopify.cost import MAX_QUERY_COST
from product_dashboard.sync.push.documents import Operation


class PushMode(StrEnum):
    auto = "auto"
    sequential = "sequential"
    parallel = "parallel"
    batch = "batch"
    bulk = "bulk"


AUTO_BATCH_FROM = 10
BULK_MIN_THRESHOLD = 200
BULK_MAX_THRESHOLD = 5000
_POINTS_PER_PRODUCT = 12.0
_BULK_BREAK_EVEN_SECONDS = 20.0
MAX_BATCH_SIZE = 100
BATCH_QUANTUM = 8
# Leave room under the hard cap so Shopify's own requested cost (which may be a little above
# our estimate) never trips MAX_COST_EXCEEDED.
BATCH_COST_CAP = MAX_QUERY_COST - 50


def bulk_threshold(restore_rate: float | None) -> int:
    if restore_rate is None:
        return BULK_MAX_THRESHOLD
    products = restore_rate / _POINTS_PER_PRODUCT * _BULK_BREAK_EVEN_SECONDS
    return int(max(BULK_MIN_THRESHOLD, min(BULK_MAX_THRESHOLD, products)))


def choose_mode(count: int, restore_rate: float | None) -> PushMode:
    """The `auto` rule (see the module docstring)."""
    if count < AUTO_BATCH_FROM:
        return PushMode.parallel
    if count >= bulk_threshold(restore_rate):
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
