"""Guard rules: hold a job for approval before it sends anything when its preview looks risky.

Rules read the preview's field changes generically: a price is any field named `price`, stock is
any field named in `STOCK_FIELDS`, a deletion is a product deleted or any element removed from a
list of objects (variants, media, metafields…). New fields of the product shape are covered as
soon as they carry those names.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, Field

from product_dashboard.job.typed import JobModel
from product_dashboard.models import ResultAction
from product_dashboard.safety.diff import ChangeKind
from product_dashboard.safety.results import ProductChange

PRICE_FIELDS = frozenset({"price"})
STOCK_FIELDS = frozenset({"inventory_quantity", "available", "quantity", "on_hand"})


class GuardRules(JobModel):
    """Which previews hold a job; None (or False) switches a rule off."""

    store_defaults = True

    price_change_percent: float | None = Field(default=None, gt=0)
    """A product counts when one of its prices moves by more than this share (either way)…"""
    price_change_products: int = Field(default=0, ge=0)
    """…and the rule fires when more than this many products count."""
    zero_stock_variants: int | None = Field(default=None, ge=0)
    """Fires when more than this many variants' stock goes from above zero to zero."""
    block_deletions: bool = False
    """Fires on any deletion of a product or of a variant, medium or metafield."""
    catalog_share_percent: float | None = Field(default=None, gt=0, le=100)
    """Fires when the job touches more than this share of the catalog's products."""

    @property
    def enabled(self) -> bool:
        return (
            self.price_change_percent is not None
            or self.zero_stock_variants is not None
            or self.block_deletions
            or self.catalog_share_percent is not None
        )


class GuardHit(BaseModel):
    rule: str
    message: str
    count: int


class Approval(JobModel):
    """Who released a held job, and when (in the job's params: the rerun is not held again)."""

    store_defaults = True

    by_id: int | None
    by_email: str | None
    at: str


class GuardTally:
    """Counts what the rules look at, one product change at a time (a preview is streamed)."""

    def __init__(self, rules: GuardRules) -> None:
        self.rules = rules
        self.products = 0
        self.price_moves = 0
        self.zeroed_variants = 0
        self.deletions: dict[str, int] = {}

    def add(self, change: ProductChange) -> None:
        self.products += 1
        if change.action == ResultAction.deleted:
            self.deletions["products"] = self.deletions.get("products", 0) + 1
            return
        moved = False
        for field_change in change.changes:
            leaf = field_change.field.rsplit(".", 1)[-1]
            if field_change.kind == ChangeKind.removed:
                self.deletions[field_change.field] = self.deletions.get(field_change.field, 0) + 1
            elif leaf in PRICE_FIELDS and self._moved(field_change.old, field_change.new):
                moved = True
            elif leaf in STOCK_FIELDS and _zeroed(field_change.old, field_change.new):
                self.zeroed_variants += 1
        self.price_moves += moved

    def _moved(self, old: Any, new: Any) -> bool:
        limit = self.rules.price_change_percent
        before, after = _decimal(old), _decimal(new)
        if limit is None or before is None or after is None:
            return False
        if before == 0:
            return after != 0
        return abs(after - before) * 100 / before > Decimal(str(limit))

    def hits(self, catalog_size: int) -> list[GuardHit]:
        rules = self.rules
        hits: list[GuardHit] = []
        price_limit = rules.price_change_percent
        if price_limit is not None and self.price_moves > rules.price_change_products:
            hits.append(
                GuardHit(
                    rule="price_change",
                    message=(
                        f"prices move more than {price_limit:g} % on "
                        f"{self.price_moves} products (more than {rules.price_change_products})"
                    ),
                    count=self.price_moves,
                )
            )
        zero_limit = rules.zero_stock_variants
        if zero_limit is not None and self.zeroed_variants > zero_limit:
            hits.append(
                GuardHit(
                    rule="zero_stock",
                    message=(
                        f"stock goes to 0 on {self.zeroed_variants} variants "
                        f"(more than {zero_limit})"
                    ),
                    count=self.zeroed_variants,
                )
            )
        deleted = sum(self.deletions.values())
        if rules.block_deletions and deleted:
            what = ", ".join(f"{n} {name}" for name, n in sorted(self.deletions.items()))
            hits.append(GuardHit(rule="deletions", message=f"deletes {what}", count=deleted))
        share = rules.catalog_share_percent
        if share is not None and catalog_size and self.products * 100 / catalog_size > share:
            hits.append(
                GuardHit(
                    rule="catalog_share",
                    message=(
                        f"touches {self.products} of {catalog_size} products "
                        f"(more than {share:g} %)"
                    ),
                    count=self.products,
                )
            )
        return hits


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _zeroed(old: Any, new: Any) -> bool:
    before, after = _decimal(old), _decimal(new)
    return before is not None and after is not None and before > 0 and after == 0
