"""The pricing batch: variants' prices and compare-at prices, min/max kept on the product."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, String, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.batch.operation import Operation, batch_items, rowcount
from product_dashboard.batch.pricing import MAX_PRICE_CENTS, PricingChange
from product_dashboard.batch.sql import json_array_agg, json_object, money_text, param
from product_dashboard.exceptions import Unprocessable
from product_dashboard.kit.money import from_cents
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

    def _variants(self, where: ColumnElement[bool]) -> Any:
        return (
            select(Variant.id)
            .join(Product, Product.id == Variant.product_id)
            .where(where, self._variant_changes())
        )

    def change_condition(self) -> ColumnElement[bool]:
        return Product.id.in_(select(Variant.product_id).where(self._variant_changes()))

    async def count_changed(self, session: AsyncSession, where: ColumnElement[bool]) -> int:
        statement = self._variants(where).with_only_columns(
            func.count(func.distinct(Variant.product_id)), maintain_column_froms=True
        )
        return int(await session.scalar(statement) or 0)

    async def validate(self, session: AsyncSession, where: ColumnElement[bool]) -> None:
        new = self.change.new_price()
        for condition, problem in (
            (new < 0, "would get a negative price (add a floor, or a smaller decrease)"),
            (new > MAX_PRICE_CENTS, "would get a price above the maximum"),
        ):
            rows = await session.scalars(
                select(func.distinct(Variant.product_id))
                .join(Product, Product.id == Variant.product_id)
                .where(where, condition)
                .limit(50)
            )
            ids = list(rows)
            if ids:
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
        await session.execute(
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
                    Variant.id,
                    Variant.product_id,
                    Variant.price_cents,
                    Variant.compare_at_price_cents,
                    self.change.new_price(),
                    self.change.new_compare_at(),
                )
                .join(Product, Product.id == Variant.product_id)
                .where(where, self._variant_changes()),
            )
        )
        result = await session.execute(
            insert(ProductBatchItem).from_select(
                ["batch_id", "product_id"],
                select(param(batch_id, String()), Change.product_id)
                .where(Change.batch_id == batch_id)
                .distinct(),
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

    @staticmethod
    def _price_range() -> dict[str, Any]:
        prices = select(Variant.price_cents).where(Variant.product_id == Product.id)
        return {
            "price_min_cents": prices.with_only_columns(
                func.min(Variant.price_cents)
            ).scalar_subquery(),
            "price_max_cents": prices.with_only_columns(
                func.max(Variant.price_cents)
            ).scalar_subquery(),
        }

    async def apply(self, session: AsyncSession, batch_id: str, now: datetime) -> None:
        await self._write_variants(session, batch_id, now, old=False)
        await self.touch_products(session, batch_id, now, **self._price_range())

    def audit_source(self, batch_id: str) -> Any:
        return (
            select(Change.product_id.label("product_id"))
            .where(Change.batch_id == batch_id)
            .group_by(Change.product_id)
        )

    def audit_values(self, dialect: str, undo: bool) -> tuple[Any, Any]:
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
        reverted = await self.revert_products(session, batch_id, now)
        await self._write_variants(session, batch_id, now, old=True)
        await session.execute(
            update(Product)
            .where(Product.id.in_(batch_items(batch_id)))
            .values(**self._price_range())
            .execution_options(synchronize_session=False)
        )
        return reverted
