"""Which products a push considers: found in SQL, in id order, a page at a time.

"Changed" is the indexed condition `synced_version IS NULL OR version > synced_version`; the
content hash then drops no-op edits (see `split_unchanged`). Tombstones (deleted locally, known to
Shopify) are candidates too, unless the selection is a filter (filters select live products).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.models import Product
from product_dashboard.product.filters import ProductFilter, filter_conditions
from product_dashboard.sync.push.items import PushItem

PAGE_SIZE = 500


@dataclass(frozen=True)
class PushScope:
    """What to push: all products, some ids, or a product-list filter; changed ones by default."""

    product_ids: tuple[int, ...] | None = None
    filter: dict[str, Any] | None = None
    only_changed: bool = True


@dataclass
class Planner:
    scope: PushScope
    dialect: str
    _conditions: list[ColumnElement[bool]] | None = field(default=None, init=False)

    async def conditions(self, session: AsyncSession) -> list[ColumnElement[bool]]:
        if self._conditions is not None:
            return self._conditions
        tombstone = and_(Product.deleted_at.is_not(None), Product.shopify_product_id.is_not(None))
        conditions: list[ColumnElement[bool]] = []
        if self.scope.filter is not None:
            selection = ProductFilter.model_validate(self.scope.filter)
            await selection.resolve_collection(session)
            conditions.extend(filter_conditions(selection, self.dialect))
        else:
            conditions.append(or_(Product.deleted_at.is_(None), tombstone))
        conditions.append(Product.open_conflicts == 0)  # decide open conflicts (conflict/) first
        if self.scope.product_ids is not None:
            conditions.append(Product.id.in_(self.scope.product_ids))
        if self.scope.only_changed:
            conditions.append(
                or_(Product.synced_version.is_(None), Product.version > Product.synced_version)
            )
        self._conditions = conditions
        return conditions

    async def count(self, session: AsyncSession, after_id: int = 0) -> int:
        conditions = await self.conditions(session)
        total = await session.scalar(
            select(func.count()).select_from(Product).where(*conditions, Product.id > after_id)
        )
        return int(total or 0)

    async def page(self, session: AsyncSession, after_id: int, limit: int = PAGE_SIZE) -> list[int]:
        conditions = await self.conditions(session)
        rows = await session.scalars(
            select(Product.id)
            .where(*conditions, Product.id > after_id)
            .order_by(Product.id)
            .limit(limit)
        )
        return list(rows)


def split_unchanged(items: Sequence[PushItem]) -> tuple[list[PushItem], list[PushItem]]:
    """(to push, unchanged): unchanged = known to Shopify with the same content hash."""
    push: list[PushItem] = []
    unchanged: list[PushItem] = []
    for item in items:
        if (
            not item.deleted
            and item.shopify_product_id is not None
            and item.synced_hash == item.snapshot_hash
        ):
            unchanged.append(item)
        else:
            push.append(item)
    return push, unchanged
