"""Pure parts of the push: auto rule, autoscaling, batching, watermark, documents vs Shopify."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate

from product_dashboard.sync.autoscale import BudgetView, target_workers
from product_dashboard.sync.push import bulk
from product_dashboard.sync.push.documents import (
    PRODUCT_BY_HANDLE,
    PRODUCT_SET_BULK,
    PRODUCT_SET_SINGLE,
    batch_document,
    operation_for,
    pack_batches,
)
from product_dashboard.sync.push.modes import PushMode, bulk_threshold, choose_mode
from product_dashboard.sync.push.progress import Watermark
from product_dashboard.sync.snapshot import PushItem, content_hash

pytestmark = pytest.mark.quick

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("count", "restore_rate", "mode"),
    [
        (3, 100.0, PushMode.parallel),
        (150, 100.0, PushMode.batch),
        (5000, 100.0, PushMode.bulk),
        (1000, 1000.0, PushMode.batch),
        (6000, 1000.0, PushMode.bulk),
    ],
)
def test_auto_rule_at_three_sizes(count: int, restore_rate: float, mode: PushMode) -> None:
    assert choose_mode(count, restore_rate) == mode


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
    snapshot = {
        "handle": f"p-{product_id}",
        "title": "T",
        "description_html": "",
        "vendor": "V",
        "product_type": "",
        "status": "active",
        "category_id": None,
        "tags": ["a"],
        "options": [{"name": "Size", "values": [str(n) for n in range(variants)]}],
        "variants": [
            {
                "sku": f"S{n}",
                "barcode": None,
                "price": "1.00",
                "compare_at_price": None,
                "option_values": [str(n)],
            }
            for n in range(variants)
        ],
        "images": [],
    }
    return PushItem(
        product_id=product_id,
        version=1,
        handle=f"p-{product_id}",
        shopify_product_id=shopify_id,
        synced_hash=None,
        deleted=False,
        snapshot=snapshot,
        shopify_variant_ids=[None] * variants,
        content_hash=content_hash(snapshot),
    )


def test_batches_stay_under_the_cost_cap_and_keep_order() -> None:
    ops = [operation_for(_item(n, 1 + n % 40)) for n in range(200)]
    batches = pack_batches(ops, 950, 100)
    assert [op for batch in batches for op in batch] == ops
    assert all(sum(op.cost for op in batch) <= 950 for batch in batches)


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


@pytest.fixture(scope="module")
def shopify_schema() -> GraphQLSchema:
    path = Path(os.environ.get("SHOPIFY_ADMIN_SCHEMA", "../shared/shopify/admin-2025-04.graphql"))
    path = path if path.is_absolute() else REPO_ROOT / path
    if not path.exists():
        pytest.skip(f"Shopify's schema not found at {path} (set SHOPIFY_ADMIN_SCHEMA)")
    return build_schema(path.read_text(encoding="utf-8"), assume_valid=True)


def test_every_document_validates_against_shopifys_schema(shopify_schema: GraphQLSchema) -> None:
    documents = [
        batch_document(("set", "delete", "set")),
        PRODUCT_SET_SINGLE,
        PRODUCT_SET_BULK,
        PRODUCT_BY_HANDLE,
        bulk.STAGED_UPLOAD,
        bulk.RUN_MUTATION,
        bulk.CANCEL,
        bulk.POLL,
        bulk.CURRENT,
    ]
    for document in documents:
        errors = validate(shopify_schema, parse(document))
        assert not errors, (document, errors)
