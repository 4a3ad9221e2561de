"""Collection queries, including members in collection order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from product_dashboard.models import Collection, CollectionProduct, CollectionType, Product
from product_dashboard.product.membership import membership_condition

PRODUCT_ORDER: dict[str, list[Any]] = {
    "ALPHA_ASC": [Product.title.asc(), Product.id.asc()],
    "ALPHA_DESC": [Product.title.desc(), Product.id.desc()],
    "PRICE_ASC": [Product.price_min_cents.asc(), Product.id.asc()],
    "PRICE_DESC": [Product.price_max_cents.desc(), Product.id.desc()],
    "CREATED": [Product.created_at.asc(), Product.id.asc()],
    "CREATED_DESC": [Product.created_at.desc(), Product.id.desc()],
    # No sales data here: best-selling falls back to alphabetical.
    "BEST_SELLING": [Product.title.asc(), Product.id.asc()],
}
SORTABLE = {
    "id": Collection.id,
    "title": Collection.title,
    "created_at": Collection.created_at,
    "updated_at": Collection.updated_at,
}


class CollectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, collection_id: int, *, for_update: bool = False) -> Collection | None:
        statement = select(Collection).where(
            Collection.id == collection_id, Collection.deleted_at.is_(None)
        )
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def paginate(
        self,
        conditions: Sequence[ColumnElement[bool]],
        *,
        order: Sequence[Any],
        offset: int,
        limit: int,
    ) -> tuple[list[Collection], int]:
        where = [Collection.deleted_at.is_(None), *conditions]
        total = await self.session.scalar(
            select(func.count()).select_from(Collection).where(*where)
        )
        rows = await self.session.scalars(
            select(Collection).where(*where).order_by(*order).offset(offset).limit(limit)
        )
        return list(rows), int(total or 0)

    async def handle_taken(self, handle: str, *, exclude_id: int | None = None) -> bool:
        statement = select(Collection.id).where(Collection.handle == handle)
        if exclude_id is not None:
            statement = statement.where(Collection.id != exclude_id)
        return (await self.session.execute(statement.limit(1))).first() is not None

    async def get_by_auto_key(self, key: str) -> Collection | None:
        return await self.session.scalar(select(Collection).where(Collection.auto_key == key))

    async def auto_collections(self) -> list[Collection]:
        rows = await self.session.scalars(
            select(Collection).where(
                Collection.auto_key.is_not(None), Collection.deleted_at.is_(None)
            )
        )
        return list(rows)

    def _members(self, collection: Collection) -> Select[Product]:
        statement = select(Product).where(
            Product.deleted_at.is_(None), membership_condition(collection)
        )
        if collection.collection_type == CollectionType.manual and collection.sort_order in (
            "MANUAL",
            None,
        ):
            return statement.join(
                CollectionProduct,
                (CollectionProduct.product_id == Product.id)
                & (CollectionProduct.collection_id == collection.id),
            ).order_by(CollectionProduct.position, Product.id)
        return statement.order_by(
            *PRODUCT_ORDER.get(collection.sort_order, PRODUCT_ORDER["ALPHA_ASC"])
        )

    async def count_members(self, collection: Collection) -> int:
        condition = membership_condition(collection)
        count = await self.session.scalar(
            select(func.count()).select_from(Product).where(Product.deleted_at.is_(None), condition)
        )
        return int(count or 0)

    async def members(
        self, collection: Collection, *, offset: int, limit: int
    ) -> tuple[list[Product], int]:
        statement = (
            self._members(collection)
            .offset(offset)
            .limit(limit)
            .options(selectinload(Product.tags), selectinload(Product.variants))
        )
        products = list((await self.session.scalars(statement)).all())
        return products, await self.count_members(collection)

    async def preview(
        self, condition: ColumnElement[bool], *, offset: int, limit: int
    ) -> tuple[list[Product], int]:
        where = (Product.deleted_at.is_(None), condition)
        total = await self.session.scalar(select(func.count()).select_from(Product).where(*where))
        rows = await self.session.scalars(
            select(Product)
            .where(*where)
            .order_by(Product.title, Product.id)
            .offset(offset)
            .limit(limit)
            .options(selectinload(Product.tags), selectinload(Product.variants))
        )
        return list(rows), int(total or 0)

    # -- manual membership ------------------------------------------------------------------

    async def positions(self, collection_id: int) -> dict[int, int]:
        rows = await self.session.execute(
            select(CollectionProduct.product_id, CollectionProduct.position).where(
                CollectionProduct.collection_id == collection_id
            )
        )
        return {product_id: position for product_id, position in rows}

    async def live_product_ids(self, product_ids: Sequence[int]) -> set[int]:
        rows = await self.session.scalars(
            select(Product.id).where(Product.id.in_(product_ids), Product.deleted_at.is_(None))
        )
        return set(rows)

    async def set_positions(self, collection_id: int, positions: dict[int, int]) -> None:
        for product_id, position in positions.items():
            await self.session.execute(
                update(CollectionProduct)
                .where(
                    CollectionProduct.collection_id == collection_id,
                    CollectionProduct.product_id == product_id,
                )
                .values(position=position)
            )

    async def shift_from(self, collection_id: int, position: int, by: int) -> None:
        await self.session.execute(
            update(CollectionProduct)
            .where(
                CollectionProduct.collection_id == collection_id,
                CollectionProduct.position >= position,
            )
            .values(position=CollectionProduct.position + by)
        )

    async def add_members(self, collection_id: int, positions: dict[int, int]) -> None:
        if positions:
            await self.session.execute(
                insert(CollectionProduct),
                [
                    {"collection_id": collection_id, "product_id": pid, "position": pos}
                    for pid, pos in positions.items()
                ],
            )

    async def remove_member(self, collection_id: int, product_id: int) -> bool:
        result = await self.session.execute(
            delete(CollectionProduct).where(
                CollectionProduct.collection_id == collection_id,
                CollectionProduct.product_id == product_id,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def product_type_counts(
        self, *, offset: int, limit: int
    ) -> tuple[list[tuple[str, int]], int]:
        live = (Product.deleted_at.is_(None), Product.product_type != "")
        total = await self.session.scalar(
            select(func.count(func.distinct(Product.product_type))).where(*live)
        )
        count = func.count(Product.id)
        rows = await self.session.execute(
            select(Product.product_type, count)
            .where(*live)
            .group_by(Product.product_type)
            .order_by(count.desc(), Product.product_type)
            .offset(offset)
            .limit(limit)
        )
        return [(t, int(n)) for t, n in rows], int(total or 0)
