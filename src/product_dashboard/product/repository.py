"""All product queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload, with_expression

from product_dashboard.models import Product, ProductVariant
from product_dashboard.product.filters import ProductFilter, filter_conditions

_variants_count = (
    select(func.count(ProductVariant.id))
    .where(ProductVariant.product_id == Product.id)
    .correlate(Product)
    .scalar_subquery()
)

SORTABLE = {
    "id": Product.id,
    "title": Product.title,
    "created_at": Product.created_at,
    "updated_at": Product.updated_at,
    "price": Product.price_min_cents,
    "vendor": Product.vendor,
    "product_type": Product.product_type,
    "status": Product.status,
    "inventory": Product.total_inventory,
}


class ProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def selection(self, selection: ProductFilter) -> list[ColumnElement[bool]]:
        return filter_conditions(selection, self.dialect)

    async def get(self, product_id: int, *, full: bool = True) -> Product | None:
        statement = select(Product).where(Product.id == product_id, Product.deleted_at.is_(None))
        if full:
            statement = statement.options(
                selectinload(Product.options),
                selectinload(Product.variants),
                selectinload(Product.images),
                selectinload(Product.tags),
            )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def list(
        self,
        selection: ProductFilter,
        *,
        sort: Sequence[tuple[str, bool]],
        offset: int,
        limit: int,
    ) -> tuple[list[Product], int]:
        conditions = self.selection(selection)
        total = await self.session.scalar(
            select(func.count()).select_from(Product).where(*conditions)
        )
        order: list[UnaryExpression[Any]] = [
            SORTABLE[f].desc() if desc else SORTABLE[f].asc() for f, desc in sort
        ]
        tiebreak_desc = sort[-1][1] if sort else True
        order.append(Product.id.desc() if tiebreak_desc else Product.id.asc())
        statement = (
            select(Product)
            .where(*conditions)
            .order_by(*order)
            .offset(offset)
            .limit(limit)
            .options(
                selectinload(Product.tags),
                with_expression(Product.variants_count, _variants_count),
            )
        )
        products = list((await self.session.scalars(statement)).all())
        return products, int(total or 0)

    async def handle_taken(self, handle: str, *, exclude_id: int | None = None) -> bool:
        statement = select(Product.id).where(Product.handle == handle)
        if exclude_id is not None:
            statement = statement.where(Product.id != exclude_id)
        return (await self.session.execute(statement.limit(1))).first() is not None

    async def handles_with_prefix(self, prefix: str) -> set[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self.session.execute(
            select(Product.handle).where(Product.handle.like(f"{escaped}%", escape="\\"))
        )
        return set(rows.scalars())
