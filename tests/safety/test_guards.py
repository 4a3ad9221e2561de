"""Each guard rule fires past its threshold, and only then (rules read previews generically;
the stock rules read the quantities a push would send)."""

from __future__ import annotations

import pytest

from product_dashboard.inventory.guard import stock_impact
from product_dashboard.inventory.push import PendingLevel
from product_dashboard.models import ResultAction
from product_dashboard.safety.guards import GuardHit, GuardRules, GuardTally
from product_dashboard.safety.results import ProductChange

pytestmark = pytest.mark.quick


def product(price: str = "10.00", **extra: object) -> dict[str, object]:
    variant: dict[str, object] = {"option_values": ["M"], "price": price, "sku": "S"}
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


def stock_hits(rules: GuardRules, writes: list[tuple[int | None, int]]) -> list[GuardHit]:
    """The stock rules' hits for a push sending these (base, quantity) writes, a variant each."""
    tally = GuardTally(rules)
    impact = stock_impact(
        PendingLevel(
            level_id=i,
            variant_id=i,
            product_id=i // 3,
            item_gid=f"gid://shopify/InventoryItem/{i}",
            location_gid="gid://shopify/Location/1",
            available=after,
            base=before,
            seen_at=None,
            tracked=True,
        )
        for i, (before, after) in enumerate(writes)
    )
    tally.add_stock(impact, {0: "first-handle"})
    return tally.hits(1000)


def test_stock_going_to_zero_on_300_variants_holds() -> None:
    rules = GuardRules(zero_stock_variants=100)
    held = stock_hits(rules, [(5, 0)] * 300)
    assert [hit.rule for hit in held] == ["zero_stock"]
    assert held[0].product_ids == list(range(100))
    assert "300 tracked variants" in held[0].message and "of 100 products" in held[0].message
    assert "first-handle, #1, #2, #3, #4 and 95 more" in held[0].message
    assert stock_hits(rules, [(5, 0)] * 100) == []
    assert stock_hits(rules, [(0, 0)] * 300) == []
    assert stock_hits(rules, [(5, 1)] * 300) == []


def test_total_units_moving_more_than_a_share_holds_either_way() -> None:
    rules = GuardRules(stock_units_change_percent=50)
    assert [h.rule for h in stock_hits(rules, [(10, 4)] * 3)] == ["stock_units"]
    assert [h.rule for h in stock_hits(rules, [(10, 16)] * 3)] == ["stock_units"]
    assert stock_hits(rules, [(10, 5)] * 3) == []
    assert stock_hits(rules, [(None, 50)]) == [], "no units before: no share to move"


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


def test_fields_only_read_for_the_first_time_touch_nothing() -> None:
    learned = updates(product(), product(seo_title=""), 50)
    for change in learned:
        change.action = ResultAction.learned
    assert hits(GuardRules(catalog_share_percent=10), learned, catalog=100) == []
