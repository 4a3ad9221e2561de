"""What a push's quantities would do to stock, for the push guard (#18) to decide on.

Pure: given the writes a push would send (`push.pending_levels`), which tracked variants would go
from more than 0 to 0, per location, and how many units the store would gain or lose. A write
whose base (what Shopify last reported) is unknown counts from 0: the guard cannot tell, and the
push reads it before sending anyway. Variants whose tracking is unknown count as tracked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from product_dashboard.inventory.push import PendingLevel


@dataclass(frozen=True, slots=True)
class Zeroed:
    product_id: int
    variant_id: int
    location: str  # Shopify location id
    before: int


@dataclass(frozen=True, slots=True)
class StockImpact:
    zeroed: tuple[Zeroed, ...]
    units_before: int
    units_after: int
    changed_product_ids: tuple[int, ...] = ()
    """Every product with a quantity to send."""

    @property
    def units_change(self) -> int:
        return self.units_after - self.units_before

    @property
    def share_change(self) -> float | None:
        """The change relative to the units before (None when there were none)."""
        return self.units_change / self.units_before if self.units_before else None

    @property
    def product_ids(self) -> list[int]:
        return sorted({z.product_id for z in self.zeroed})


def stock_impact(writes: Iterable[PendingLevel]) -> StockImpact:
    zeroed: list[Zeroed] = []
    products: set[int] = set()
    before_total = after_total = 0
    for write in writes:
        products.add(write.product_id)
        before = write.base or 0
        before_total += before
        after_total += write.available
        if write.tracked is not False and before > 0 and write.available <= 0:
            zeroed.append(Zeroed(write.product_id, write.variant_id, write.location_gid, before))
    return StockImpact(tuple(zeroed), before_total, after_total, tuple(sorted(products)))
