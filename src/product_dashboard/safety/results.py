"""What a job touched, one row per product: written by the jobs, read by previews, results files
and undo. Never commits (the caller's transaction holds the row with the change it describes)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    JSON,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.kit.time import utcnow
from product_dashboard.models import JobResult, ResultAction, ResultStage
from product_dashboard.safety.diff import ChangeKind, FieldChange, diff

STREAM_PAGE = 1000


class ProductChange(BaseModel):
    """One product's row: what happens to it, field by field, and its shapes either side."""

    action: ResultAction
    product_id: int | None = None
    handle: str | None = None
    row: int | None = None
    shopify_product_id: str | None = None
    shopify_variant_ids: list[str | None] | None = None
    changes: list[FieldChange] = Field(default_factory=list)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    error: str | None = None

    @classmethod
    def between(
        cls,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        **identity: Any,
    ) -> ProductChange:
        """The change from `before` to `after` (None: the product does not exist there)."""
        if after is None:
            action = ResultAction.deleted
        elif before is None:
            action = ResultAction.created
        else:
            action = ResultAction.updated
        # Not validated again: the shapes are already JSON values, and a preview builds many.
        return cls.model_construct(
            action=action,
            changes=diff(before, after),
            before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None,
            error=None,
            **identity,
        )


class ResultRead(BaseModel):
    """A results row as the API shows it (without the full shapes)."""

    model_config = ConfigDict(from_attributes=True)

    action: ResultAction
    product_id: int | None
    handle: str | None
    row: int | None
    shopify_product_id: str | None
    shopify_variant_ids: list[str | None] | None
    changes: list[FieldChange]
    error: str | None


class ChangeCounts(BaseModel):
    """Products per action; changes per field and kind (`{"variants.price": {"changed": 3}}`)
    of the products updated (a created or deleted product counts under `actions` only)."""

    products: int = 0
    actions: dict[str, int] = Field(default_factory=dict)
    fields: dict[str, dict[str, int]] = Field(default_factory=dict)

    def add(self, change: ProductChange, *, again: bool = False) -> None:
        """`again`: a product counted already (a job that changed it twice has a row for each
        time): only its field changes count."""
        if not again:
            self.products += 1
            self.actions[change.action] = self.actions.get(change.action, 0) + 1
        if change.action != ResultAction.updated:
            return
        for field_change in change.changes:
            kinds = self.fields.setdefault(field_change.field, {})
            kinds[field_change.kind] = kinds.get(field_change.kind, 0) + 1


_TABLE: Table = JobResult.__table__  # type: ignore[assignment]
_JSON_COLUMNS = ("shopify_variant_ids", "changes", "before", "after")
# JSON written as orjson encodes it (the column type's json.dumps is several times slower: a
# preview of 20,000 products writes as many rows): text as is on SQLite (JSON is text there),
# cast to json on PostgreSQL.
_INSERT = {
    "sqlite": insert(_TABLE).values(
        {name: type_coerce(bindparam(name), Text()) for name in _JSON_COLUMNS}
    ),
    "postgresql": insert(_TABLE).values(
        {name: cast(bindparam(name, type_=Text()), JSON()) for name in _JSON_COLUMNS}
    ),
}


async def write(
    session: AsyncSession, job_id: str, stage: ResultStage, changes: Sequence[ProductChange]
) -> None:
    """Add rows; a preview's rows leave out the shapes either side (only an undo reads them)."""
    if not changes:
        return
    at = utcnow()
    keep_shapes = stage == ResultStage.done
    rows = [
        {
            "job_id": job_id,
            "stage": stage.value,
            "at": at,
            "action": change.action.value,
            "product_id": change.product_id,
            "handle": change.handle,
            "row": change.row,
            "shopify_product_id": change.shopify_product_id,
            "error": change.error,
            # orjson writes the changes (dataclasses) and shapes directly: no model dump first.
            "shopify_variant_ids": _encoded(change.shopify_variant_ids),
            "changes": _encoded(change.changes),
            "before": _encoded(change.before) if keep_shapes else None,
            "after": _encoded(change.after) if keep_shapes else None,
        }
        for change in changes
    ]
    await session.execute(_INSERT[session.get_bind().dialect.name], rows)


def _encoded(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


async def clear(session: AsyncSession, job_id: str, stage: ResultStage) -> None:
    await session.execute(
        delete(JobResult).where(JobResult.job_id == job_id, JobResult.stage == stage.value)
    )


async def page(
    session: AsyncSession, job_id: str, stage: ResultStage, *, offset: int, limit: int
) -> tuple[list[JobResult], int]:
    condition = (JobResult.job_id == job_id, JobResult.stage == stage.value)
    total = await session.scalar(select(func.count()).select_from(JobResult).where(*condition))
    rows = await session.scalars(
        select(JobResult).where(*condition).order_by(JobResult.id).offset(offset).limit(limit)
    )
    return list(rows), int(total or 0)


async def stream(
    session: AsyncSession, job_id: str, stage: ResultStage
) -> AsyncIterator[JobResult]:
    """Every row in order, a page at a time (a results file of 100k rows stays small in memory)."""
    after = 0
    while True:
        rows = list(
            await session.scalars(
                select(JobResult)
                .where(
                    JobResult.job_id == job_id,
                    JobResult.stage == stage.value,
                    JobResult.id > after,
                )
                .order_by(JobResult.id)
                .limit(STREAM_PAGE)
            )
        )
        if not rows:
            return
        for row in rows:
            yield row
        after = rows[-1].id
        session.expunge_all()


async def counts(session: AsyncSession, job_id: str, stage: ResultStage) -> ChangeCounts:
    total = ChangeCounts()
    seen: set[int] = set()
    async for row in stream(session, job_id, stage):
        total.add(as_change(row), again=row.product_id in seen)
        if row.product_id is not None:
            seen.add(row.product_id)
    return total


def as_change(row: JobResult) -> ProductChange:
    return ProductChange(
        action=ResultAction(row.action),
        product_id=row.product_id,
        handle=row.handle,
        row=row.row,
        shopify_product_id=row.shopify_product_id,
        shopify_variant_ids=row.shopify_variant_ids,
        changes=[FieldChange.of(c) for c in row.changes],
        before=row.before,
        after=row.after,
        error=row.error,
    )


__all__ = [
    "ChangeCounts",
    "ChangeKind",
    "ProductChange",
    "ResultRead",
    "as_change",
    "clear",
    "counts",
    "page",
    "stream",
    "write",
]
