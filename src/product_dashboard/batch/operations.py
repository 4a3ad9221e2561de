"""Status, category, delete and add-to-collection batch edits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    not_,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.batch.operation import Operation, batch_items, rowcount
from product_dashboard.batch.sql import json_object, param
from product_dashboard.exceptions import Conflict, Unprocessable
from product_dashboard.models import (
    Collection,
    CollectionProduct,
    CollectionType,
    Product,
    ProductBatchItem,
)

Item = ProductBatchItem


class StatusOperation(Operation):
    kind: ClassVar[str] = "status"
    action: ClassVar[str] = "update"

    @property
    def status(self) -> str:
        return str(self.params["status"])

    def change_condition(self) -> ColumnElement[bool]:
        return Product.status != self.status

    def before_columns(self) -> list[Any]:
        return [Product.status]

    def before(self, row: Any) -> dict[str, Any]:
        return {"status": row.status}

    def after(self, row: Any) -> dict[str, Any]:
        return {"status": self.status}

    async def stage(self, session: AsyncSession, batch_id: str, where: ColumnElement[bool]) -> int:
        result = await session.execute(
            insert(Item).from_select(
                ["batch_id", "product_id", "version_after", "old_status"],
                select(
                    param(batch_id, String()), Product.id, Product.version + 1, Product.status
                ).where(where, self.change_condition()),
            )
        )
        return rowcount(result)

    async def apply(self, session: AsyncSession, batch_id: str, now: datetime) -> None:
        await self.touch_products(session, batch_id, now, status=self.status)

    def audit_values(self, dialect: str, undo: bool, detailed: bool) -> tuple[Any, Any]:
        old = json_object(dialect, [("status", Item.old_status)])
        new = json_object(dialect, [("status", param(self.status, String()))])
        return (new, old) if undo else (old, new)

    async def revert(self, session: AsyncSession, batch_id: str, now: datetime) -> int:
        return await self.revert_products(session, batch_id, now, status=Item.old_status)


class CategoryOperation(Operation):
    kind: ClassVar[str] = "category"
    action: ClassVar[str] = "update"

    @property
    def category(self) -> tuple[str | None, str | None]:
        value = self.params.get("category")
        return (value.get("id"), value["name"]) if value else (None, None)

    def change_condition(self) -> ColumnElement[bool]:
        category_id, name = self.category
        return or_(
            Product.category_id.is_distinct_from(category_id),
            Product.category_name.is_distinct_from(name),
        )

    def before_columns(self) -> list[Any]:
        return [Product.category_id, Product.category_name]

    @staticmethod
    def _as_json(category_id: str | None, name: str | None) -> dict[str, Any] | None:
        return {"id": category_id, "name": name} if name else None

    def before(self, row: Any) -> dict[str, Any]:
        return {"category": self._as_json(row.category_id, row.category_name)}

    def after(self, row: Any) -> dict[str, Any]:
        return {"category": self._as_json(*self.category)}

    async def stage(self, session: AsyncSession, batch_id: str, where: ColumnElement[bool]) -> int:
        result = await session.execute(
            insert(Item).from_select(
                ["batch_id", "product_id", "version_after", "old_category_id", "old_category_name"],
                select(
                    param(batch_id, String()),
                    Product.id,
                    Product.version + 1,
                    Product.category_id,
                    Product.category_name,
                ).where(where, self.change_condition()),
            )
        )
        return rowcount(result)

    async def apply(self, session: AsyncSession, batch_id: str, now: datetime) -> None:
        category_id, name = self.category
        await self.touch_products(
            session, batch_id, now, category_id=category_id, category_name=name
        )

    def audit_values(self, dialect: str, undo: bool, detailed: bool) -> tuple[Any, Any]:
        def category(category_id: Any, name: Any) -> Any:
            inner = json_object(dialect, [("id", category_id), ("name", name)])
            return json_object(
                dialect,
                [("category", case((name.is_(None), null()), else_=inner))],
                nested=frozenset({"category"}),
            )

        category_id, name = self.category
        old = category(Item.old_category_id, Item.old_category_name)
        new = category(param(category_id, String()), param(name, String()))
        return (new, old) if undo else (old, new)

    async def revert(self, session: AsyncSession, batch_id: str, now: datetime) -> int:
        return await self.revert_products(
            session,
            batch_id,
            now,
            category_id=Item.old_category_id,
            category_name=Item.old_category_name,
        )


class DeleteOperation(Operation):
    """Products become tombstones (hidden everywhere), so the batch can be undone."""

    kind: ClassVar[str] = "delete"
    action: ClassVar[str] = "delete"

    def before_columns(self) -> list[Any]:
        return [Product.handle, Product.status]

    def before(self, row: Any) -> dict[str, Any]:
        return {"handle": row.handle, "status": row.status}

    def after(self, row: Any) -> dict[str, Any] | None:
        return None

    async def stage(self, session: AsyncSession, batch_id: str, where: ColumnElement[bool]) -> int:
        result = await session.execute(
            insert(Item).from_select(
                ["batch_id", "product_id", "version_after", "old_handle"],
                select(
                    param(batch_id, String()), Product.id, Product.version + 1, Product.handle
                ).where(where),
            )
        )
        return rowcount(result)

    async def apply(self, session: AsyncSession, batch_id: str, now: datetime) -> None:
        suffix = "--deleted-" + cast(Product.id, String)
        await self.touch_products(
            session,
            batch_id,
            now,
            deleted_at=now,
            handle=func.substr(Product.handle + suffix, 1, 255),
        )

    def audit_source(self, batch_id: str, detailed: bool) -> Any:
        return super().audit_source(batch_id, detailed).join(Product, Product.id == Item.product_id)

    def audit_values(self, dialect: str, undo: bool, detailed: bool) -> tuple[Any, Any]:
        snapshot = json_object(
            dialect,
            [("title", Product.title), ("handle", Item.old_handle), ("status", Product.status)],
        )
        return (null(), snapshot) if undo else (snapshot, null())

    async def revert(self, session: AsyncSession, batch_id: str, now: datetime) -> int:
        return await self.revert_products(
            session, batch_id, now, deleted_at=None, handle=Item.old_handle
        )

    async def blocked(self, session: AsyncSession, batch_id: str) -> list[int]:
        """Products whose old handle another product has taken since."""
        other = Product.__table__.alias("other")
        rows = await session.scalars(
            select(Item.product_id)
            .join(other, and_(other.c.handle == Item.old_handle, other.c.id != Item.product_id))
            .where(Item.batch_id == batch_id)
            .limit(100)
        )
        return list(rows)


class AddToCollectionOperation(Operation):
    """Membership lives on the collection: products themselves do not change version."""

    kind: ClassVar[str] = "add_to_collection"
    action: ClassVar[str] = "add_to_collection"
    bumps_version: ClassVar[bool] = False

    @property
    def collection_id(self) -> int:
        return int(self.params["collection_id"])

    def change_condition(self) -> ColumnElement[bool]:
        return not_(
            Product.id.in_(
                select(CollectionProduct.product_id).where(
                    CollectionProduct.collection_id == self.collection_id
                )
            )
        )

    def after(self, row: Any) -> dict[str, Any]:
        return {"collection_id": self.collection_id}

    async def validate(self, session: AsyncSession, where: ColumnElement[bool]) -> None:
        collection = await session.get(Collection, self.collection_id)
        if collection is None or collection.deleted_at is not None:
            raise Unprocessable(
                f"Collection {self.collection_id} does not exist.",
                fields=[{"loc": ["body", "collection_id"], "msg": "no such collection"}],
            )
        if collection.collection_type != CollectionType.manual:
            raise Conflict(
                f"Collection {self.collection_id} is a smart collection: its products follow its "
                "rules and cannot be added by hand."
            )

    async def stage(self, session: AsyncSession, batch_id: str, where: ColumnElement[bool]) -> int:
        result = await session.execute(
            insert(Item).from_select(
                ["batch_id", "product_id"],
                select(param(batch_id, String()), Product.id).where(where, self.change_condition()),
            )
        )
        return rowcount(result)

    async def apply(self, session: AsyncSession, batch_id: str, now: datetime) -> None:
        last = await session.scalar(
            select(func.coalesce(func.max(CollectionProduct.position), 0)).where(
                CollectionProduct.collection_id == self.collection_id
            )
        )
        position = int(last or 0) + func.row_number().over(order_by=Item.product_id)
        await session.execute(
            insert(CollectionProduct).from_select(
                ["collection_id", "product_id", "position"],
                select(param(self.collection_id, Integer()), Item.product_id, position).where(
                    Item.batch_id == batch_id
                ),
            )
        )
        await self._touch_collection(session, now)

    async def _touch_collection(self, session: AsyncSession, now: datetime) -> None:
        await session.execute(
            update(Collection)
            .where(Collection.id == self.collection_id)
            .values(version=Collection.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    def audit_values(self, dialect: str, undo: bool, detailed: bool) -> tuple[Any, Any]:
        value = json_object(dialect, [("collection_id", param(self.collection_id, Integer()))])
        return (value, null()) if undo else (null(), value)

    async def revert(self, session: AsyncSession, batch_id: str, now: datetime) -> int:
        result = await session.execute(
            delete(CollectionProduct)
            .where(
                CollectionProduct.collection_id == self.collection_id,
                CollectionProduct.product_id.in_(batch_items(batch_id)),
            )
            .execution_options(synchronize_session=False)
        )
        await self._touch_collection(session, now)
        return rowcount(result)
