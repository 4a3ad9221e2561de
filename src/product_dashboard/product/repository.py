"""All product queries."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from product_dashboard.models import Product
from product_dashboard.product.filters import ProductFilter, filter_conditions

# What `get` loads with a product: every relationship the product service reads.
_FULL = (
    selectinload(Product.options),
    selectinload(Product.variants),
    selectinload(Product.images),
    selectinload(Product.metafields),
    selectinload(Product.tags),
)


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
            statement = statement.options(*_FULL)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_many(self, product_ids: Collection[int]) -> dict[int, Product]:
        """`get` of each of these (those not deleted), at once, by id."""
        if not product_ids:
            return {}
        statement = select(Product).where(
            Product.id.in_(list(product_ids)), Product.deleted_at.is_(None)
        )
        products = (await self.session.execute(statement.options(*_FULL))).scalars()
        return {product.id: product for product in products}

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
