"""Pure parts of the push: auto rule, autoscaling, batching, watermark, documents vs Shopify."""

from __future__ import annotations

import hashlib
import json

import pytest
from graphql import GraphQLSchema, parse, validate

from product_dashboard.conflict.snapshot import SnapshotOption, SnapshotVariant, SyncedSnapshot
from product_dashboard.shopify.documents import PUSH_PRODUCT_SET_LINE
from product_dashboard.sync.autoscale import BudgetView, target_workers
from product_dashboard.sync.push.bulk import SHORTEST_POLL, BulkStatus, next_poll_delay
from product_dashboard.sync.push.documents import batch_request, operation_for
from product_dashboard.sync.push.items import PushItem
from product_dashboard.sync.push.modes import (
    BATCH_QUANTUM,
    BulkTiming,
    PushMode,
    batch_seconds,
    bulk_chunk_plan,
    bulk_part_sizes,
    bulk_seconds,
    bulk_threshold,
    choose_mode,
    group_operations,
)
from product_dashboard.sync.push.progress import Watermark
from product_dashboard.sync.push.recorder import PushOutcome
from product_dashboard.sync.push.sender import _outcome

pytestmark = pytest.mark.quick


@pytest.mark.parametrize(
    ("count", "restore_rate", "mode"),
    [
        (3, 100.0, PushMode.parallel),
        (100, 100.0, PushMode.batch),
        (5000, 100.0, PushMode.bulk),
        (1000, 1000.0, PushMode.batch),
        (6000, 1000.0, PushMode.bulk),
    ],
)
def test_auto_rule_at_three_sizes(count: int, restore_rate: float, mode: PushMode) -> None:
    assert choose_mode(count, restore_rate) == mode


STANDARD, PLUS = 100.0, 1000.0  # restore rates, points/s


@pytest.mark.parametrize(
    ("count", "restore_rate", "mode"),
    [
        (100, STANDARD, PushMode.batch),  # the bucket covers it: no start-up to pay
        (500, STANDARD, PushMode.bulk),  # ~82 s batched vs ~10 s in five operations
        (1000, STANDARD, PushMode.bulk),
        (20000, STANDARD, PushMode.bulk),
        (100, PLUS, PushMode.batch),
        (1000, PLUS, PushMode.batch),  # bucket and restore keep batch ahead
        (20000, PLUS, PushMode.bulk),  # ~480 s batched vs ~205 s in five operations
    ],
)
def test_auto_picks_the_faster_mode_by_its_rule_with_shopifys_bulk_timing(
    count: int, restore_rate: float, mode: PushMode
) -> None:
    timing = BulkTiming()  # 20 lines/s per operation after 5 s, five at a time
    assert choose_mode(count, restore_rate, timing) == mode
    faster = min(
        (batch_seconds(count, restore_rate), PushMode.batch),
        (bulk_seconds(count, timing), PushMode.bulk),
    )[1]
    assert faster == mode


def test_auto_rule_follows_the_bulk_timing() -> None:
    one_slot = BulkTiming(slots=1)
    assert bulk_seconds(2000, one_slot) == pytest.approx(5 + 2000 / 20)
    assert bulk_seconds(2000, BulkTiming()) == pytest.approx(5 + 400 / 20)
    assert choose_mode(20000, PLUS, one_slot) == PushMode.batch  # 1,005 s in one operation
    assert choose_mode(500, STANDARD, BulkTiming(lines_per_second=1.0)) == PushMode.batch
    assert bulk_threshold(STANDARD) < bulk_threshold(PLUS)


@pytest.mark.parametrize(
    ("count", "chunk_size", "plan"),
    [
        (3, 25_000, (3, 1)),
        (53, 25_000, (5, 11)),
        (20_000, 25_000, (5, 4000)),
        (130_000, 25_000, (10, 13_000)),  # two full waves of five, not five and one alone
        (0, 25_000, (0, 0)),
    ],
)
def test_bulk_chunks_fill_the_slots_with_equal_sizes(
    count: int, chunk_size: int, plan: tuple[int, int]
) -> None:
    chunks, size = bulk_chunk_plan(count, BulkTiming(chunk_size=chunk_size))
    assert (chunks, size) == plan
    assert size <= chunk_size and chunks * size >= count
    assert count == 0 or (chunks - 1) * size < count  # the last chunk is not empty


@pytest.mark.parametrize(
    ("count", "slots", "waves"),
    [
        (53, 5, [11]),  # collecting 11 lines is quicker than another start-up: equal chunks
        (500, 5, [100]),
        (20_000, 5, [2000, 1000, 1000]),
        (20_000, 1, [10_000, 5000, 5000]),
    ],
)
def test_bulk_parts_end_in_shorter_waves_while_collecting_outlasts_a_start_up(
    count: int, slots: int, waves: list[int]
) -> None:
    timing = BulkTiming(slots=slots)  # 5 s start-up, 2 ms to collect a line
    sizes = bulk_part_sizes(count, timing)
    assert sizes == [size for size in waves for _ in range(slots)]
    assert sum(sizes) >= count > sum(sizes) - sizes[-1]  # the last part is not empty
    # The last wave's half would be collected within a start-up: not worth another wave.
    last_wave = slots * sizes[-1] * timing.collect_seconds_per_line
    assert last_wave / 2 <= timing.startup_seconds
    if len(waves) > 1:
        assert timing.startup_seconds < last_wave  # the wave before it was worth halving


def test_bulk_parts_of_a_push_past_the_chunk_size_come_in_full_waves_first() -> None:
    sizes = bulk_part_sizes(130_000, BulkTiming(chunk_size=25_000))
    assert sizes[:5] == [13_000] * 5  # the first of two waves of equal chunks, unchanged
    assert sum(sizes) == 130_000 and max(sizes) <= 25_000
    assert sizes[-5:] == [sizes[-1]] * 5


def test_bulk_threshold_is_lower_on_smaller_plans() -> None:
    assert bulk_threshold(100.0) < bulk_threshold(1000.0) <= bulk_threshold(None)


def test_workers_follow_latency_and_free_budget_within_bounds() -> None:
    drained = BudgetView(restore_rate=200.0, available=0.0, maximum=4000.0)
    full = BudgetView(restore_rate=200.0, available=4000.0, maximum=4000.0)
    fast = target_workers(latency_seconds=0.02, cost_per_request=18, budget=drained)
    slow = target_workers(latency_seconds=0.5, cost_per_request=18, budget=drained)
    assert fast == 2 and slow == 7
    assert target_workers(latency_seconds=0.3, cost_per_request=18, budget=full) > (
        target_workers(latency_seconds=0.3, cost_per_request=18, budget=drained)
    )
    huge = BudgetView(restore_rate=100_000.0, available=0.0, maximum=None)
    assert target_workers(latency_seconds=5.0, cost_per_request=1, budget=huge) == 10
    assert target_workers(latency_seconds=None, cost_per_request=18, budget=full) == 2


def _item(product_id: int, variants: int, *, shopify_id: str | None = None) -> PushItem:
    snapshot = SyncedSnapshot.build(
        handle=f"p-{product_id}",
        title="T",
        description_html="",
        vendor="V",
        product_type="",
        status="active",
        category_id=None,
        tags=["a"],
        options=[SnapshotOption(name="Size", values=tuple(str(n) for n in range(variants)))],
        variants=[
            SnapshotVariant.of(
                sku=f"S{n}",
                barcode=None,
                price_cents=100,
                compare_at_price_cents=None,
                option_values=[str(n)],
            )
            for n in range(variants)
        ],
        images=[],
    )
    return PushItem.of(snapshot, product_id=product_id, version=1, shopify_product_id=shopify_id)


def test_batch_requests_come_in_few_sizes_and_carry_the_rest_over() -> None:
    ops = [operation_for(_item(n, 1 + n % 9)) for n in range(230)]
    batches, rest = group_operations(ops, PushMode.batch, None, last=False)
    assert [op for batch in batches for op in batch] + rest == ops
    assert all(len(batch) % BATCH_QUANTUM == 0 for batch in batches)
    assert all(sum(op.cost for op in batch) <= 950 for batch in batches)
    assert len(rest) > 0 and len({len(batch) for batch in batches}) <= 2
    final, none = group_operations(rest, PushMode.batch, None)
    assert none == [] and [op for batch in final for op in batch] == rest
    singles, _ = group_operations(ops[:3], PushMode.parallel, None, last=False)
    assert singles == [[op] for op in ops[:3]]


def test_stored_hash_is_the_snapshots_canonical_json_digest() -> None:
    # Products synced before the hash moved to shopify.mapping must not all look changed.
    item = _item(1, 3)
    assert item.snapshot is not None
    stored = item.snapshot.to_stored()
    legacy = json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert item.snapshot_hash == hashlib.sha256(legacy.encode()).hexdigest()
    assert SyncedSnapshot.from_stored(stored).snapshot_hash() == item.snapshot_hash


def _gone(product_id: int) -> PushItem:
    item = _item(product_id, 1, shopify_id=f"gid://shopify/Product/{product_id}")
    item.deleted = True
    return item


def test_batch_request_aliases_sets_and_deletes_in_order() -> None:
    ops = [operation_for(_item(1, 2)), operation_for(_gone(3)), operation_for(_item(2, 5))]
    document, variables = batch_request(ops)
    assert "p0: productSet" in document and "p1: productDelete" in document
    assert variables["v0"] == 2 and variables["v2"] == 5 and "k1" not in variables
    assert variables["i1"] == {"id": "gid://shopify/Product/3"}
    assert variables["k2"] == {"handle": "p-2"}


def test_outcomes_read_ids_or_explain_the_refusal() -> None:
    op = operation_for(_item(1, 2))
    ok = _outcome(
        op,
        {
            "product": {"id": "gid://shopify/Product/1", "variants": {"nodes": [{"id": "v1"}]}},
            "userErrors": [],
        },
    )
    assert ok == PushOutcome(op.item, True, "gid://shopify/Product/1", ["v1"])
    refused = _outcome(
        op, {"product": None, "userErrors": [{"field": ["input", "title"], "message": "blank"}]}
    )
    assert not refused.ok and refused.error == "Shopify refused the product: title: blank"
    assert _outcome(op, None).error == "Shopify returned no product for this push."


def test_identifier_is_the_shopify_id_when_known_else_the_handle() -> None:
    known = operation_for(_item(1, 2, shopify_id="gid://shopify/Product/9"))
    fresh = operation_for(_item(2, 2))
    assert known.variables["identifier"] == {"id": "gid://shopify/Product/9"}
    assert fresh.variables["identifier"] == {"handle": "p-2"}


def test_watermark_advances_only_over_completed_pages() -> None:
    mark = Watermark(0)
    first, second = mark.open(10, 2), mark.open(20, 1)
    mark.complete(second, 1)
    assert mark.value == 0
    mark.complete(first, 2)
    assert mark.value == 20
    mark.open(30, 0)
    assert mark.value == 30


def test_every_document_validates_against_shopifys_schema(shopify_schema: GraphQLSchema) -> None:
    documents = [
        batch_request([operation_for(_item(1, 2)), operation_for(_gone(3))])[0],
        PUSH_PRODUCT_SET_LINE,
    ]
    for document in documents:
        errors = validate(shopify_schema, parse(document))
        assert not errors, (document, errors)


@pytest.mark.parametrize(
    ("done", "lines", "elapsed", "expected"),
    [
        (0, 5000, 1.0, 0.25),  # no progress yet: the usual interval
        (4000, 5000, 2.0, 0.25),  # 1,000 lines left at 2,000/s: 0.5 s, more than the interval
        (4900, 5000, 2.0, 100 / 2450),  # 100 left at 2,450/s: poll when they should be done
        (5000, 5000, 2.0, SHORTEST_POLL),  # all counted but not final yet: soon, not busily
        (4000, None, 2.0, 0.25),  # line count unknown
    ],
)
def test_bulk_polls_when_the_operations_progress_says_it_ends(
    done: int, lines: int | None, elapsed: float, expected: float
) -> None:
    status = BulkStatus(id="gid://shopify/BulkOperation/1", status="RUNNING", object_count=done)
    assert next_poll_delay(status, lines, elapsed, 0.25) == pytest.approx(expected)
