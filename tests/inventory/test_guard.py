"""The stock impact of a push's quantity writes: which tracked variants it would zero."""

from __future__ import annotations

import pytest

from product_dashboard.inventory.guard import Zeroed, stock_impact
from product_dashboard.inventory.push import PendingLevel

pytestmark = pytest.mark.quick

LOCATION = "gid://shopify/Location/1"


def _write(
    variant: int, base: int | None, available: int, tracked: bool | None = True
) -> PendingLevel:
    return PendingLevel(
        level_id=variant,
        variant_id=variant,
        product_id=variant // 10,
        item_gid=f"gid://shopify/InventoryItem/{variant}",
        location_gid=LOCATION,
        available=available,
        base=base,
        seen_at=None,
        tracked=tracked,
    )


def test_lists_tracked_variants_going_from_stock_to_zero() -> None:
    impact = stock_impact(
        [
            _write(11, 5, 0),  # zeroed
            _write(12, 0, 0),  # was 0 already
            _write(21, 7, 3),  # lowered, not zeroed
            _write(31, 4, 0, tracked=False),  # not tracked: Shopify does not count it
            _write(41, 9, -1, tracked=None),  # unknown tracking counts as tracked
            _write(51, None, 0),  # base unknown: cannot be said to go from > 0
        ]
    )
    assert impact.zeroed == (
        Zeroed(product_id=1, variant_id=11, location=LOCATION, before=5),
        Zeroed(product_id=4, variant_id=41, location=LOCATION, before=9),
    )
    assert impact.product_ids == [1, 4]
    assert (impact.units_before, impact.units_after) == (25, 2)
    assert impact.units_change == -23
    assert impact.share_change == pytest.approx(-23 / 25)


def test_nothing_to_send_moves_nothing() -> None:
    impact = stock_impact([])
    assert impact.zeroed == () and impact.units_change == 0 and impact.share_change is None
