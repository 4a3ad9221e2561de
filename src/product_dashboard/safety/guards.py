"""Guard rules: hold a job for approval before it sends anything when its preview looks risky.

Rules read the preview's field changes generically: a price is any field named `price`, a
deletion is a product deleted or any element removed from a list of objects (variants, media,
metafields…). New fields of the product shape are covered as soon as they carry those names.
Stock is not in the product shape (quantities move on their own in Shopify): the stock rules read
the quantities a push would send (`inventory.guard.stock_impact`), handed to `add_stock`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from product_dashboard.inventory.guard import StockImpact
from product_dashboard.job.typed import JobModel
from product_dashboard.models import ResultAction
from product_dashboard.safety.diff import ChangeKind
from product_dashboard.safety.results import ProductChange

PRICE_FIELDS = frozenset({"price"})
NAMED_PRODUCTS = 5  # products a hit's message names; its product_ids list them all


class GuardRules(JobModel):
    """Which previews hold a job; None (or False) switches a rule off."""

    store_defaults = True

    price_change_percent: float | None = Field(default=None, gt=0)
    """A product counts when one of its prices moves by more than this share (either way)…"""
    price_change_products: int = Field(default=0, ge=0)
    """…and the rule fires when more than this many products count."""
    zero_stock_variants: int | None = Field(default=None, ge=0)
    """Fires when more than this many tracked variants go from above zero to zero (at any
    location)."""
    stock_units_change_percent: float | None = Field(default=None, gt=0)
    """Fires when the quantities sent move the units they replace by more than this share."""
    block_deletions: bool = False
    """Fires on any deletion of a product or of a variant, medium or metafield."""
    catalog_share_percent: float | None = Field(default=None, gt=0, le=100)
    """Fires when the job touches more than this share of the catalog's products."""

    @property
    def reads_stock(self) -> bool:
        return self.zero_stock_variants is not None or self.stock_units_change_percent is not None

    @property
    def enabled(self) -> bool:
        return (
            self.price_change_percent is not None
            or self.zero_stock_variants is not None
            or self.stock_units_change_percent is not None
            or self.block_deletions
            or self.catalog_share_percent is not None
        )


class GuardRulesIn(GuardRules):
    """Guard rules as a request gives them: an unknown key is refused (a misspelt rule would
    otherwise be left out, and a job it should hold would run)."""

    model_config = ConfigDict(extra="forbid")


class GuardHit(BaseModel):
    rule: str
    message: str
    count: int
    product_ids: list[int] = []
    """The products the rule counted, where it names them (the stock rules)."""


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
        self.stock: StockImpact | None = None
        self.names: dict[int, str] = {}
        self.deletions: dict[str, int] = {}

    def add_stock(self, impact: StockImpact, names: dict[int, str]) -> None:
        """The push's quantities, and names (handles) for the products it would zero."""
        self.stock = impact
        self.names = names

    def add(self, change: ProductChange) -> None:
        if change.action == ResultAction.learned:
            return  # fields read for the first time: nothing here replaced, no rule's business
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
        hits.extend(self._stock_hits())
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

    def _stock_hits(self) -> list[GuardHit]:
        rules, stock = self.rules, self.stock
        if stock is None:
            return []
        hits: list[GuardHit] = []
        zero_limit = rules.zero_stock_variants
        if zero_limit is not None and len(stock.zeroed) > zero_limit:
            products = stock.product_ids
            hits.append(
                GuardHit(
                    rule="zero_stock",
                    message=(
                        f"stock goes to 0 on {len(stock.zeroed)} tracked variants "
                        f"(more than {zero_limit}) of {len(products)} products: "
                        f"{self._named(products)}"
                    ),
                    count=len(stock.zeroed),
                    product_ids=products,
                )
            )
        share_limit = rules.stock_units_change_percent
        share = stock.share_change
        if share_limit is not None and share is not None and abs(share) * 100 > share_limit:
            products = list(stock.changed_product_ids)
            hits.append(
                GuardHit(
                    rule="stock_units",
                    message=(
                        f"stock moves from {stock.units_before} to {stock.units_after} units "
                        f"(more than {share_limit:g} %) on {len(products)} products: "
                        f"{self._named(products)}"
                    ),
                    count=abs(stock.units_change),
                    product_ids=products,
                )
            )
        return hits

    def _named(self, product_ids: list[int]) -> str:
        named = ", ".join(self.names.get(i, f"#{i}") for i in product_ids[:NAMED_PRODUCTS])
        more = len(product_ids) - NAMED_PRODUCTS
        return f"{named} and {more} more" if more > 0 else named


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
