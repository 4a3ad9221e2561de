"""Reassembling bulk query JSONL (`__parentId` lines) into nested products."""

from __future__ import annotations

from typing import Any

import pytest

from product_dashboard.shopify.bulk import BulkOperation, BulkQueryReassembler
from product_dashboard.shopify.errors import BulkOperationError
from product_dashboard.shopify.mapping import from_shopify_product

pytestmark = pytest.mark.quick

P1, P2 = "gid://shopify/Product/1", "gid://shopify/Product/2"
LINES: list[dict[str, Any]] = [
    {"id": P1, "title": "One", "handle": "one", "status": "ACTIVE", "tags": []},
    {"id": "gid://shopify/ProductVariant/11", "price": "1.00", "__parentId": P1},
    {"id": "gid://shopify/ProductVariant/12", "price": "2.00", "__parentId": P1},
    {"id": P2, "title": "Two", "handle": "two", "status": "DRAFT", "tags": ["x"]},
    {"id": "gid://shopify/ProductVariant/21", "price": "3.50", "__parentId": P2},
    {"id": "gid://shopify/InventoryLevel/9?x=1", "__parentId": "gid://shopify/ProductVariant/21"},
]


def reassemble(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    reassembler = BulkQueryReassembler()
    out = [done for line in lines if (done := reassembler.feed(line)) is not None]
    last = reassembler.finish()
    return [*out, *([last] if last else [])]


def test_children_nest_under_their_parents_in_order() -> None:
    products = reassemble(LINES)
    assert [p["id"] for p in products] == [P1, P2]
    first = from_shopify_product(products[0])
    assert [v.price_cents for v in first.variants] == [100, 200]
    assert "__parentId" not in str(products)
    variant = products[1]["variants"]["nodes"][0]
    assert variant["inventoryLevels"]["nodes"][0]["id"].startswith("gid://shopify/InventoryLevel/")


def test_a_child_whose_parent_was_released_is_an_error() -> None:
    with pytest.raises(BulkOperationError, match="out of order"):
        reassemble([*LINES, {"id": "gid://shopify/ProductVariant/13", "__parentId": P1}])


def test_empty_result_yields_nothing() -> None:
    assert reassemble([]) == []


def test_operation_status_checks() -> None:
    done = BulkOperation.from_payload(
        {"id": "gid://shopify/BulkOperation/1", "status": "COMPLETED", "objectCount": "3"}
    )
    assert done.done and done.object_count == 3
    done.raise_for_status()
    failed = BulkOperation.from_payload(
        {"id": "gid://shopify/BulkOperation/2", "status": "FAILED", "errorCode": "TIMEOUT"}
    )
    with pytest.raises(BulkOperationError, match="FAILED"):
        failed.raise_for_status()
    assert not BulkOperation.from_payload({"id": "x", "status": "RUNNING"}).done
