"""What every batch edit does, set-based: stage old values, write, audit, revert."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    String,
    cast,
    func,
    insert,
    select,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.batch.sql import param
from product_dashboard.models import AuditEvent, Product, ProductBatchItem

AUDIT_COLUMNS = [
    "at",
    "actor_id",
    "actor_email",
    "source",
    "entity_type",
    "entity_id",
    "action",
    "before",
    "after",
    "batch_id",
]


def batch_items(batch_id: str) -> Select[int]:
    return select(ProductBatchItem.product_id).where(ProductBatchItem.batch_id == batch_id)


def rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


ANALYZE_AFTER = 5_000
# The joins need the staged row count and the batch id's share, not fine histograms: a sample of
# 3,000 rows instead of the default 30,000 took 0.02 s of server CPU per staging table, not
# 0.10-0.13 s, with the same plans (catalog_bench's 100k-product price batch).
STAGING_STATISTICS_TARGET = 10


async def analyze_if_large(session: AsyncSession, *tables: str, rows: int | None = None) -> None:
    """PostgreSQL plans joins on freshly filled staging tables from statistics that still say
    "empty" (a nested loop over 100k rows follows): refresh them after a large insert."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if rows is not None and rows < ANALYZE_AFTER:
        return
    await session.execute(
        text(f"SET LOCAL default_statistics_target = {STAGING_STATISTICS_TARGET}")
    )
    await session.execute(text(f"ANALYZE {', '.join(tables)}"))


# A hash may take twice this (hash_mem_multiplier): ~1M staged rows in memory, where the
# default (4 MB) spilled 300k to disk.
JOIN_MEMORY = "32MB"


async def join_in_memory(session: AsyncSession) -> None:
    """PostgreSQL: this transaction's hash joins of staged rows to theirs stay in memory (the
    variants' UPDATE of a 100k-product batch hashed its 300k variants in 4 batches on disk)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SET LOCAL work_mem = '{JOIN_MEMORY}'"))


class Operation:
    """One kind of batch edit. Subclasses say what changes; the engine runs the steps in order."""

    kind: ClassVar[str]
    action: ClassVar[str]
    bumps_version: ClassVar[bool] = True  # False: the edit is not on the product itself

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    # -- reading --------------------------------------------------------------------------------

    def change_condition(self) -> ColumnElement[bool]:
        """True for selected products this batch would actually change."""
        return true()

    async def validate(self, session: AsyncSession, where: ColumnElement[bool]) -> None:
        """Raise an AppError (422, 409) before anything is written."""

    async def count_changed(self, session: AsyncSession, where: ColumnElement[bool]) -> int:
        count = await session.scalar(
            select(func.count()).select_from(Product).where(where, self.change_condition())
        )
        return int(count or 0)

    def before_columns(self) -> list[Any]:
        return []

    def before(self, row: Any) -> dict[str, Any]:
        return {}

    def after(self, row: Any) -> dict[str, Any] | None:
        return {}

    async def sample(
        self, session: AsyncSession, where: ColumnElement[bool], limit: int
    ) -> list[dict[str, Any]]:
        rows = await session.execute(
            select(Product.id, Product.title, *self.before_columns())
            .where(where, self.change_condition())
            .order_by(Product.id)
            .limit(limit)
        )
        return [
            {
                "product_id": row.id,
                "title": row.title,
                "before": self.before(row),
                "after": self.after(row),
            }
            for row in rows
        ]

    # -- writing --------------------------------------------------------------------------------

    async def stage(self, session: AsyncSession, batch_id: str, where: ColumnElement[bool]) -> int:
        """Record the products that will change, their old values and their version after the
        batch (rows are locked, so it is their version + 1); how many."""
        raise NotImplementedError

    async def apply(self, session: AsyncSession, batch_id: str, now: datetime) -> None:
        raise NotImplementedError

    def audit_values(self, dialect: str, undo: bool, detailed: bool) -> tuple[Any, Any]:
        """(before, after) JSON expressions over `product_batch_item` (joined to `product`).

        `detailed` is False for very large batches where an operation may keep its audit rows
        compact (the old values stay in the batch tables, which is what undo reads).
        """
        raise NotImplementedError

    def audit_source(self, batch_id: str, detailed: bool) -> Select[Any]:
        """One row per changed product (`product_id`), over `product_batch_item`."""
        return select(ProductBatchItem.product_id.label("product_id")).where(
            ProductBatchItem.batch_id == batch_id
        )

    async def write_audit(
        self,
        session: AsyncSession,
        batch_id: str,
        actor: Actor,
        now: datetime,
        *,
        undo: bool = False,
        detailed: bool = True,
    ) -> None:
        dialect = session.get_bind().dialect.name
        before, after = self.audit_values(dialect, undo, detailed)
        source = self.audit_source(batch_id, detailed)
        product_id = source.selected_columns.product_id
        statement = source.with_only_columns(
            param(now, DateTime(timezone=True)),
            param(actor.user_id, Integer()),
            param(actor.email, String()),
            param(actor.source.value, String()),
            param("product", String()),
            cast(product_id, String),
            param("batch_undo" if undo else self.action, String()),
            before,
            after,
            param(batch_id, String()),
            maintain_column_froms=True,
        )
        await session.execute(insert(AuditEvent).from_select(AUDIT_COLUMNS, statement))

    async def revert(self, session: AsyncSession, batch_id: str, now: datetime) -> int:
        """Put the old values back on products still at `version_after`; how many."""
        raise NotImplementedError

    # -- shared steps ---------------------------------------------------------------------------

    async def touch_products(
        self, session: AsyncSession, batch_id: str, now: datetime, **values: Any
    ) -> None:
        await session.execute(
            update(Product)
            .where(Product.id.in_(batch_items(batch_id)))
            .values(version=Product.version + 1, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )

    async def revert_products(
        self, session: AsyncSession, batch_id: str, now: datetime, **values: Any
    ) -> int:
        """Compare-and-set on each product's version: the row count tells who moved meanwhile."""
        item = ProductBatchItem
        result = await session.execute(
            update(Product)
            .where(
                item.batch_id == batch_id,
                item.product_id == Product.id,
                Product.version == item.version_after,
            )
            .values(version=Product.version + 1, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)
