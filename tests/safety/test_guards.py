"""Each guard rule fires past its threshold, and only then (rules read previews generically)."""

from __future__ import annotations

import pytest

from product_dashboard.safety.guards import GuardRules, GuardTally
from product_dashboard.safety.results import ProductChange

pytestmark = pytest.mark.quick


def product(
    price: str = "10.00", quantity: int | None = None, **extra: object
) -> dict[str, object]:
    variant: dict[str, object] = {"option_values": ["M"], "price": price, "sku": "S"}
    if quantity is not None:
        variant["inventory_quantity"] = quantity
    return {"title": "T", "variants": [variant], **extra}


def hits(rules: GuardRules, changes: list[ProductChange], catalog: int = 1000) -> list[str]:
    tally = GuardTally(rules)
    for change in changes:
        tally.add(change)
    return [hit.rule for hit in tally.hits(catalog)]


def updates(before: dict[str, object], after: dict[str, object], n: int) -> list[ProductChange]:
    return [ProductChange.between(before, after, product_id=i) for i in range(n)]


def test_price_moves_hold_past_n_products_either_way() -> None:
    rules = GuardRules(price_change_percent=50, price_change_products=3)
    assert hits(rules, updates(product("10.00"), product("15.01"), 4)) == ["price_change"]
    assert hits(rules, updates(product("10.00"), product("4.99"), 4)) == ["price_change"]
    assert hits(rules, updates(product("10.00"), product("15.01"), 3)) == []
    assert hits(rules, updates(product("10.00"), product("15.00"), 4)) == []


def test_stock_going_to_zero_on_300_variants_holds() -> None:
    rules = GuardRules(zero_stock_variants=100)
    assert hits(rules, updates(product(quantity=5), product(quantity=0), 300)) == ["zero_stock"]
    assert hits(rules, updates(product(quantity=5), product(quantity=0), 100)) == []
    assert hits(rules, updates(product(quantity=0), product(quantity=0), 300)) == []
    assert hits(rules, updates(product(quantity=5), product(quantity=1), 300)) == []


def test_any_deletion_holds_products_variants_media_metafields() -> None:
    rules = GuardRules(block_deletions=True)
    assert hits(rules, [ProductChange.between(product(), None)]) == ["deletions"]
    images = {"images": [{"src": "a"}, {"src": "b"}]}
    fewer = {"images": [{"src": "a"}]}
    assert hits(rules, [ProductChange.between(product(**images), product(**fewer))]) == [
        "deletions"
    ]
    field = [{"namespace": "n", "key": "k", "value": "v"}]
    gone = ProductChange.between(product(metafields=field), product(metafields=[]))
    assert hits(rules, [gone]) == ["deletions"]
    assert hits(rules, [ProductChange.between(product(**fewer), product(**images))]) == []
    assert hits(GuardRules(), [ProductChange.between(product(), None)]) == []


def test_share_of_the_catalog_touched() -> None:
    rules = GuardRules(catalog_share_percent=10)
    assert hits(rules, updates(product(), product("11.00"), 11), catalog=100) == ["catalog_share"]
    assert hits(rules, updates(product(), product("11.00"), 10), catalog=100) == []
