"""The pricing batch: variants' prices and compare-at prices, min/max kept on the product."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    func,
    insert,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.batch.operation import Operation, analyze_if_large, rowcount
from product_dashboard.batch.pricing import PricingChange
from product_dashboard.batch.sql import json_array_agg, json_object, money_text, param
from product_dashboard.exceptions import Unprocessable
from product_dashboard.kit.money import MAX_PRICE_CENTS, from_cents
from product_dashboard.models import Product, ProductBatchItem, ProductBatchVariant, ProductVariant

Change = ProductBatchVariant
Variant = ProductVariant


class PricingOperation(Operation):
    kind: ClassVar[str] = "pricing"
    action: ClassVar[str] = "update"

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.change = PricingChange.model_validate(params["pricing"])

    def _variant_changes(self) -> ColumnElement[bool]:
        return or_(
            self.change.new_price() != Variant.price_cents,
            self.change.new_compare_at().is_distinct_from(Variant.compare_at_price_cents),
        )

    def change_condition(self) -> ColumnElement[bool]:
        # Correlated, so a sample ordered by id stops at its first few products instead of
        # evaluating every variant of the catalog.
        return (
            select(Variant.id)
            .where(Variant.product_id == Product.id, self._variant_changes())
            .exists()
        )

    def _new_values(self, where: ColumnElement[bool]) -> Any:
        """Selected variants with `new_price` and `new_compare_at`, computed in layers."""
        source = (
            select(
                Variant.id.label("variant_id"),
                Variant.product_id.label("product_id"),
                Variant.price_cents.label("price"),
                Variant.compare_at_price_cents.label("compare_at"),
            )
            .join(Product, Product.id == Variant.product_id)
            .where(where)
        )
        layer = self.change.layered(source, {"price": "new_price"})
        new_compare_at = self.change.compare_at_from(
            layer.c.new_price, layer.c.price, layer.c.compare_at
        )
        return select(*layer.c, new_compare_at.label("new_compare_at")).subquery()

    async def count_changed(self, session: AsyncSession, where: ColumnElement[bool]) -> int:
        values = self._new_values(where)
        statement = select(func.count(func.distinct(values.c.product_id))).where(
            or_(
                values.c.new_price != values.c.price,
                values.c.new_compare_at.is_distinct_from(values.c.compare_at),
            )
        )
        return int(await session.scalar(statement) or 0)

    async def validate(self, session: AsyncSession, where: ColumnElement[bool]) -> None:
        # New prices are a non-decreasing function of old ones, so the new range is the image
        # of the old range (kept on the product): one indexed query instead of a scan.
        low, high = (
            await session.execute(
                select(func.min(Product.price_min_cents), func.max(Product.price_max_cents)).where(
                    where
                )
            )
        ).one()
        if low is None or high is None:
            return
        new_low, new_high = (
            await session.execute(
                select(
                    self.change.new_price(param(low, BigInteger())),
                    self.change.new_price(param(high, BigInteger())),
                )
            )
        ).one()
        new = self.change.new_price()
        for bad, condition, problem in (
            (
                new_low < 0,
                new < 0,
                "would get a negative price (add a floor, or a smaller decrease)",
            ),
            (
                new_high > MAX_PRICE_CENTS,
                new > MAX_PRICE_CENTS,
                "would get a price above the maximum",
            ),
        ):
            if not bad:
                continue
            rows = await session.scalars(
                select(func.distinct(Variant.product_id))
                .join(Product, Product.id == Variant.product_id)
                .where(where, condition)
                .limit(50)
            )
            ids = list(rows)
            raise Unprocessable(
                f"Products {', '.join(map(str, ids[:20]))}{'…' if len(ids) > 20 else ''} "
                f"{problem}. Nothing was changed.",
                fields=[{"loc": ["body", "pricing"], "msg": problem, "product_ids": ids}],
            )

    async def sample(
        self, session: AsyncSession, where: ColumnElement[bool], limit: int
    ) -> list[dict[str, Any]]:
        product_ids = list(
            await session.scalars(
                select(Product.id)
                .where(where, self.change_condition())
                .order_by(Product.id)
                .limit(limit)
            )
        )
        rows = await session.execute(
            select(
                Product.id.label("product_id"),
                Product.title.label("product_title"),
                Variant.id,
                Variant.title,
                Variant.price_cents,
                Variant.compare_at_price_cents,
                self.change.new_price().label("new_price"),
                self.change.new_compare_at().label("new_compare_at"),
            )
            .join(Product, Product.id == Variant.product_id)
            .where(Product.id.in_(product_ids))
            .order_by(Product.id, Variant.position)
        )
        samples: dict[int, dict[str, Any]] = {}
        for row in rows:
            entry = samples.setdefault(
                row.product_id,
                {
                    "product_id": row.product_id,
                    "title": row.product_title,
                    "before": {"variants": []},
                    "after": {"variants": []},
                },
            )
            base = {"id": row.id, "title": row.title}
            entry["before"]["variants"].append(
                base
                | {
                    "price": from_cents(row.price_cents),
                    "compare_at_price": from_cents(row.compare_at_price_cents),
                }
            )
            entry["after"]["variants"].append(
                base
                | {
                    "price": from_cents(row.new_price),
                    "compare_at_price": from_cents(row.new_compare_at),
                }
            )
        return list(samples.values())

    async def stage(self, session: AsyncSession, batch_id: str, where: ColumnElement[bool]) -> int:
        # The selected variants whose price or compare-at changes, with old and new values, each
        # new value computed once per row (see `layered`).
        values = self._new_values(where)
        changes = or_(
            values.c.new_price != values.c.price,
            values.c.new_compare_at.is_distinct_from(values.c.compare_at),
        )
        staged = await session.execute(
            insert(Change).from_select(
                [
                    "batch_id",
                    "variant_id",
                    "product_id",
                    "old_price_cents",
                    "old_compare_at_price_cents",
                    "new_price_cents",
                    "new_compare_at_price_cents",
                ],
                select(
                    param(batch_id, String()),
                    values.c.variant_id,
                    values.c.product_id,
                    values.c.price,
                    values.c.compare_at,
                    values.c.new_price,
                    values.c.new_compare_at,
                ).where(changes),
            )
        )
        await analyze_if_large(session, "product_batch_variant", rows=rowcount(staged))
        # Their products, with the price range before and after. New prices are a non-decreasing
        # function of old ones, so the new range is the image of the old one: no aggregate over
        # the variants (the range is kept equal to the variants' by every product write).
        products = select(
            Product.id.label("product_id"),
            (Product.version + 1).label("version_after"),
            Product.price_min_cents.label("low"),
            Product.price_max_cents.label("high"),
        ).where(Product.id.in_(select(Change.product_id).where(Change.batch_id == batch_id)))
        ranges = self.change.layered(products, {"low": "new_low", "high": "new_high"})
        result = await session.execute(
            insert(ProductBatchItem).from_select(
                [
                    "batch_id",
                    "product_id",
                    "version_after",
                    "old_price_min_cents",
                    "old_price_max_cents",
                    "new_price_min_cents",
                    "new_price_max_cents",
                ],
                select(
                    param(batch_id, String()),
                    ranges.c.product_id,
                    ranges.c.version_after,
                    ranges.c.low,
                    ranges.c.high,
                    ranges.c.new_low,
                    ranges.c.new_high,
                ),
            )
        )
        return rowcount(result)

    async def _write_variants(
        self, session: AsyncSession, batch_id: str, now: datetime, *, old: bool
    ) -> None:
        price = Change.old_price_cents if old else Change.new_price_cents
        compare_at = Change.old_compare_at_price_cents if old else Change.new_compare_at_price_cents
        await session.execute(
            update(Variant)
            .where(Change.batch_id == batch_id, Change.variant_id == Variant.id)
            .values(price_cents=price, compare_at_price_cents=compare_at, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    async def apply(self, session: AsyncSession, batch_id: str, now: datetime) -> None:
        await self._write_variants(session, batch_id, now, old=False)
        item = ProductBatchItem
        await session.execute(
            update(Product)
            .where(item.batch_id == batch_id, item.product_id == Product.id)
            .values(
                version=item.version_after,
                updated_at=now,
                price_min_cents=item.new_price_min_cents,
                price_max_cents=item.new_price_max_cents,
            )
            .execution_options(synchronize_session=False)
        )

    def audit_source(self, batch_id: str, detailed: bool) -> Any:
        if not detailed:  # one row per product is already there: no aggregate over variants
            return super().audit_source(batch_id, detailed)
        return (
            select(Change.product_id.label("product_id"))
            .where(Change.batch_id == batch_id)
            .group_by(Change.product_id)
        )

    def audit_values(self, dialect: str, undo: bool, detailed: bool) -> tuple[Any, Any]:
        if not detailed:
            return null(), json_object(dialect, [("batch_kind", param(self.kind, String()))])

        def variants(price: Any, compare_at: Any) -> Any:
            variant = json_object(
                dialect,
                [
                    ("id", Change.variant_id),
                    ("price", money_text(dialect, price)),
                    ("compare_at_price", money_text(dialect, compare_at)),
                ],
            )
            return json_object(
                dialect,
                [("variants", json_array_agg(dialect, variant))],
                nested=frozenset({"variants"}),
            )

        old = variants(Change.old_price_cents, Change.old_compare_at_price_cents)
        new = variants(Change.new_price_cents, Change.new_compare_at_price_cents)
        return (new, old) if undo else (old, new)

    async def revert(self, session: AsyncSession, batch_id: str, now: datetime) -> int:
        item = ProductBatchItem
        reverted = await self.revert_products(
            session,
            batch_id,
            now,
            price_min_cents=item.old_price_min_cents,
            price_max_cents=item.old_price_max_cents,
        )
        await self._write_variants(session, batch_id, now, old=True)
        return reverted
