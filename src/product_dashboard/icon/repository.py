"""The few product queries icon generation needs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from product_dashboard.models import Product


class IconRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def product_with_tags(self, product_id: int) -> Product | None:
        return (
            await self.session.execute(
                select(Product)
                .where(Product.id == product_id, Product.deleted_at.is_(None))
                .options(selectinload(Product.tags))
            )
        ).scalar_one_or_none()

    async def live_ids(self, ids: Sequence[int]) -> set[int]:
        rows = await self.session.scalars(
            select(Product.id).where(Product.id.in_(ids), Product.deleted_at.is_(None))
        )
        return set(rows)

    async def ids_matching(
        self, conditions: Sequence[ColumnElement[bool]], *, only_missing: bool, limit: int
    ) -> list[int]:
        statement = select(Product.id).where(*conditions)
        if only_missing:
            statement = statement.where(Product.icon_path.is_(None))
        rows = await self.session.scalars(statement.order_by(Product.id).limit(limit))
        return list(rows)

    async def referenced_paths(self) -> set[str]:
        """Every icon path still in use, tombstoned products included."""
        rows = await self.session.scalars(
            select(Product.icon_path).where(Product.icon_path.is_not(None)).distinct()
        )
        return {path for path in rows if path}

    async def set_icon(self, product_id: int, icon_path: str | None) -> bool:
        """Point the product at an icon file (or none); False if the product is gone."""
        result = await self.session.execute(
            update(Product)
            .where(Product.id == product_id, Product.deleted_at.is_(None))
            .values(icon_path=icon_path)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
