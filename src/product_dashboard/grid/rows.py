"""A page of the grid: the variants of the products matching a filter, in the list's order."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from product_dashboard.grid.columns import GridColumn
from product_dashboard.grid.schemas import GridPage, GridRow
from product_dashboard.kit.sorting import Sort
from product_dashboard.models import Product, ProductVariant
from product_dashboard.product.filters import ProductFilter, filter_conditions
from product_dashboard.product.listing import sort_order


async def grid_page(
    session: AsyncSession,
    selection: ProductFilter,
    *,
    sort: Sort,
    offset: int,
    limit: int,
    columns: list[GridColumn],
) -> GridPage:
    """Rows `offset`..`offset + limit` and the total; each row holds the asked columns only."""
    conditions = filter_conditions(selection, session.get_bind().dialect.name)
    joined = select(ProductVariant.id).join(Product, Product.id == ProductVariant.product_id)
    total = await session.scalar(
        select(func.count()).select_from(joined.where(*conditions).subquery())
    )
    statement = (
        select(ProductVariant, Product)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(*conditions)
        .order_by(*sort_order(sort), ProductVariant.position)
        .offset(offset)
        .limit(limit)
        .options(
            selectinload(Product.tags),
            *(selectinload(relation) for c in columns for relation in c.relations),
        )
    )
    rows = [
        GridRow(
            product_id=product.id,
            variant_id=variant.id,
            version=product.version,
            title=product.title,
            variant_title=variant.title,
            values={c.key: c.read(product, variant) for c in columns},
        )
        for variant, product in await session.execute(statement)
    ]
    return GridPage(rows=rows, total=int(total or 0), offset=offset)
