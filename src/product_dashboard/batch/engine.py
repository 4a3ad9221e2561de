"""Run a batch edit all-or-nothing: select, validate, stage old values, write, audit; and undo."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.batch.cells_operation import CellsOperation
from product_dashboard.batch.operation import Operation, analyze_if_large, join_in_memory
from product_dashboard.batch.operations import (
    AddToCollectionOperation,
    CategoryOperation,
    DeleteOperation,
    StatusOperation,
)
from product_dashboard.batch.pricing_operation import PricingOperation
from product_dashboard.batch.schemas import BatchResult, Selection
from product_dashboard.exceptions import Conflict, NotFound
from product_dashboard.kit.time import utcnow
from product_dashboard.models import (
    AuditSource,
    BatchState,
    Product,
    ProductBatch,
    ProductBatchItem,
)
from product_dashboard.product.filters import ProductFilter, filter_conditions

OPERATIONS: dict[str, type[Operation]] = {
    op.kind: op
    for op in (
        StatusOperation,
        CategoryOperation,
        PricingOperation,
        AddToCollectionOperation,
        DeleteOperation,
        CellsOperation,
    )
}
SAMPLE_SIZE = 10
# Above this many changed products, operations may write compact audit rows (see Operation).
AUDIT_DETAIL_LIMIT = 10_000
STALE_LISTED = 100
BATCH_ENTITY = "product_batch"

Progress = Callable[[str, float], Awaitable[None]]


async def _no_progress(step: str, fraction: float) -> None:
    return None


def operation(kind: str, params: dict[str, Any]) -> Operation:
    return OPERATIONS[kind](params)


async def where_for(session: AsyncSession, selection: dict[str, Any]) -> ColumnElement[bool]:
    """The selection (as stored in batch params) as a condition on live products."""
    parsed = Selection.model_validate(selection)
    if parsed.product_ids is not None:
        return and_(Product.id.in_(parsed.product_ids), Product.deleted_at.is_(None))
    product_filter = parsed.filter or ProductFilter()
    await product_filter.resolve_collection(session)
    return and_(*filter_conditions(product_filter, session.get_bind().dialect.name))


async def count(session: AsyncSession, where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).select_from(Product).where(where)) or 0)


async def preview(
    session: AsyncSession, kind: str, params: dict[str, Any], selection: dict[str, Any]
) -> BatchResult:
    op = operation(kind, params)
    where = await where_for(session, selection)
    await op.validate(session, where)
    matched = await count(session, where)
    changed = await op.count_changed(session, where)
    return BatchResult(
        batch_id=None,
        kind=kind,
        dry_run=True,
        state="preview",
        matched=matched,
        changed=changed,
        unchanged=matched - changed,
        sample=await op.sample(session, where, SAMPLE_SIZE),
    )


def new_batch(
    kind: str, params: dict[str, Any], selection: dict[str, Any], actor: Actor
) -> ProductBatch:
    return ProductBatch(
        id=uuid.uuid4().hex,
        kind=kind,
        state=BatchState.queued.value,
        params={"selection": selection, **params},
        matched=0,
        changed=0,
        actor_id=actor.user_id,
        actor_email=actor.email,
        created_at=utcnow(),
    )


def batch_actor(batch: ProductBatch) -> Actor:
    return Actor(source=AuditSource.batch, user_id=batch.actor_id, email=batch.actor_email)


def _op_params(batch: ProductBatch) -> dict[str, Any]:
    return {k: v for k, v in batch.params.items() if k != "selection"}


async def _lock(session: AsyncSession, where: ColumnElement[bool]) -> int | None:
    """PostgreSQL: lock the rows first so values staged are the values overwritten, and say how
    many. Counted in the locking statement, so no id travels back (sending 100k ids to this
    process took longer than locking their rows). None where there is nothing to lock."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    locked = select(Product.id).where(where).with_for_update(of=Product).subquery()
    return int(await session.scalar(select(func.count()).select_from(locked)) or 0)


async def execute(
    session: AsyncSession, batch: ProductBatch, progress: Progress = _no_progress
) -> ProductBatch:
    """Apply a staged batch row in the caller's transaction (which commits or rolls back)."""
    op = operation(batch.kind, _op_params(batch))
    actor = batch_actor(batch)
    where = await where_for(session, batch.params["selection"])
    await op.validate(session, where)
    locked = await _lock(session, where)
    await join_in_memory(session)
    batch.state = BatchState.running.value
    batch.matched = locked if locked is not None else await count(session, where)
    await progress("staging", 0.1)
    now = utcnow()
    batch.changed = await op.stage(session, batch.id, where)
    await analyze_if_large(session, "product_batch_item", rows=batch.changed)
    await progress("writing", 0.4)
    await op.apply(session, batch.id, now)
    await progress("auditing", 0.7)
    detailed = batch.changed <= AUDIT_DETAIL_LIMIT
    await op.write_audit(session, batch.id, actor, now, detailed=detailed)
    _record_batch(session, batch, actor, batch.kind, {"changed": batch.changed})
    batch.state = BatchState.completed.value
    batch.finished_at = utcnow()
    await session.flush()
    await progress("done", 1.0)
    return batch


def _record_batch(
    session: AsyncSession, batch: ProductBatch, actor: Actor, action: str, counts: dict[str, int]
) -> None:
    """The batch-level audit event, beside the per-product rows (which carry the batch id)."""
    audit.record(
        session,
        actor,
        entity_type=BATCH_ENTITY,
        entity_id=batch.id,
        action=action,
        before=None,
        after={"kind": batch.kind, "params": batch.params, "matched": batch.matched, **counts},
        batch_id=batch.id,
    )


async def get_batch(session: AsyncSession, batch_id: str) -> ProductBatch:
    batch = await session.get(ProductBatch, batch_id)
    if batch is None:
        raise NotFound(f"No batch with id {batch_id}.")
    return batch


async def item_count(session: AsyncSession, batch_id: str) -> int:
    value = await session.scalar(select(func.count()).where(ProductBatchItem.batch_id == batch_id))
    return int(value or 0)


async def check_undoable(
    session: AsyncSession, batch: ProductBatch, *, state: BatchState = BatchState.completed
) -> None:
    """409 unless the batch completed, is not undone, and its products have not moved since."""
    if batch.state != state:
        raise Conflict(f"Batch {batch.id} is {batch.state}; only a completed batch can be undone.")
    op = operation(batch.kind, _op_params(batch))
    if op.bumps_version:
        moved = (
            select(ProductBatchItem.product_id)
            .outerjoin(Product, Product.id == ProductBatchItem.product_id)
            .where(
                ProductBatchItem.batch_id == batch.id,
                or_(Product.id.is_(None), Product.version != ProductBatchItem.version_after),
            )
        )
        total = int(await session.scalar(select(func.count()).select_from(moved.subquery())) or 0)
        if total:
            ids = list(
                await session.scalars(
                    moved.order_by(ProductBatchItem.product_id).limit(STALE_LISTED)
                )
            )
            raise Conflict(
                f"{total} product(s) changed after batch {batch.id}, so it cannot be undone "
                f"without losing those changes: {', '.join(map(str, ids[:20]))}"
                f"{'…' if total > 20 else ''}.",
                extra={"product_ids": ids, "changed_count": total},
            )
    if isinstance(op, DeleteOperation):
        blocked = await op.blocked(session, batch.id)
        if blocked:
            raise Conflict(
                f"The handles of product(s) {', '.join(map(str, blocked[:20]))} are now used by "
                "other products; rename those first.",
                extra={"product_ids": blocked, "changed_count": len(blocked)},
            )


async def undo(
    session: AsyncSession,
    batch: ProductBatch,
    actor: Actor,
    progress: Progress = _no_progress,
    *,
    state: BatchState = BatchState.completed,
) -> int:
    """Revert every change of the batch, or nothing (409 listing products that moved)."""
    await check_undoable(session, batch, state=state)
    op = operation(batch.kind, _op_params(batch))
    now = utcnow()
    items = await item_count(session, batch.id)
    await _lock(
        session,
        Product.id.in_(
            select(ProductBatchItem.product_id).where(ProductBatchItem.batch_id == batch.id)
        ),
    )
    await join_in_memory(session)
    await progress("reverting", 0.2)
    reverted = await op.revert(session, batch.id, now)
    if op.bumps_version and reverted != items:
        raise Conflict(f"Products changed while batch {batch.id} was being undone; try again.")
    await progress("auditing", 0.7)
    undo_actor = Actor(source=AuditSource.batch, user_id=actor.user_id, email=actor.email)
    detailed = items <= AUDIT_DETAIL_LIMIT
    await op.write_audit(session, batch.id, undo_actor, now, undo=True, detailed=detailed)
    _record_batch(session, batch, undo_actor, "batch_undo", {"reverted": reverted})
    batch.state = BatchState.undone.value
    batch.undone_at = utcnow()
    await session.flush()
    await progress("done", 1.0)
    return reverted
