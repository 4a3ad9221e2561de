"""Legacy generic batches: create (validated), process as a job item by item, status, stats."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.batch.legacy_items import apply_item
from product_dashboard.batch.legacy_schemas import (
    MAX_ITEMS,
    LegacyBatchCreate,
    LegacyBatchRead,
    LegacyStats,
)
from product_dashboard.exceptions import AppError, Conflict, NotFound, Unprocessable
from product_dashboard.job import JobRunner
from product_dashboard.job.typed import JobModel, JobType, NoCheckpoint, TypedJob
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import (
    AuditSource,
    Collection,
    CollectionType,
    LegacyBatch,
    LegacyBatchItem,
    LegacyBatchState,
    LegacyItemState,
    Product,
)


class LegacyJobParams(JobModel):
    batch_id: str
    user_id: int | None = None


class LegacyJobReport(JobModel):
    batch_id: str
    state: str | None = None
    processed: int
    failed: int
    stopped: bool | None = None


LEGACY_JOB = JobType("legacy.batch", LegacyJobParams, NoCheckpoint, LegacyJobReport)
LegacyJob = TypedJob[LegacyJobParams, NoCheckpoint, LegacyJobReport]
PROCESSABLE = (LegacyBatchState.created, LegacyBatchState.stopped, LegacyBatchState.failed)
CHUNK = 200


async def create(
    session: AsyncSession, data: LegacyBatchCreate, user_id: int | None
) -> LegacyBatch:
    """Validate everything (products exist, collections are manual) before storing anything."""
    total = sum(len(op.product_ids) for op in data.operations)
    if total > MAX_ITEMS:
        raise Unprocessable(f"A batch holds at most {MAX_ITEMS} items (operation x product).")
    wanted = {pid for op in data.operations for pid in op.product_ids}
    found = set(
        await session.scalars(
            select(Product.id).where(Product.id.in_(wanted), Product.deleted_at.is_(None))
        )
    )
    fields: list[dict[str, Any]] = []
    for index, op in enumerate(data.operations):
        missing = [pid for pid in op.product_ids if pid not in found]
        if missing:
            fields.append(
                {
                    "loc": ["body", "operations", index, "product_ids"],
                    "msg": f"unknown products: {missing[:20]}",
                }
            )
        if op.type == "add_to_collection":
            collection = await session.get(Collection, op.params.collection_id)
            if collection is None or collection.collection_type != CollectionType.manual:
                fields.append(
                    {
                        "loc": ["body", "operations", index, "params", "collection_id"],
                        "msg": "must be an existing manual collection",
                    }
                )
    if fields:
        raise Unprocessable(
            "The batch is not valid: " + "; ".join(f["msg"] for f in fields[:5]), fields=fields
        )
    batch = LegacyBatch(
        id=uuid.uuid4().hex,
        name=data.name.strip(),
        state=LegacyBatchState.created.value,
        operations=[op.model_dump(mode="json") for op in data.operations],
        total_items=total,
        processed_items=0,
        failed_items=0,
        created_by_id=user_id,
        created_at=utcnow(),
    )
    session.add(batch)
    await session.flush()
    rows = []
    position = 0
    for op in data.operations:
        params = op.params if isinstance(op.params, dict) else op.params.model_dump(mode="json")
        for pid in op.product_ids:
            position += 1
            rows.append(
                {
                    "batch_id": batch.id,
                    "position": position,
                    "operation": op.type,
                    "product_id": pid,
                    "params": params,
                    "state": LegacyItemState.pending.value,
                }
            )
    await session.execute(insert(LegacyBatchItem), rows)
    return batch


async def get(session: AsyncSession, batch_id: str) -> LegacyBatch:
    batch = await session.get(LegacyBatch, batch_id)
    if batch is None:
        raise NotFound(f"No batch with id {batch_id}.")
    return batch


async def process(
    session: AsyncSession, batch_id: str, runner: JobRunner, user_id: int | None
) -> LegacyBatch:
    batch = await get(session, batch_id)
    if batch.state not in PROCESSABLE:
        raise Conflict(
            f"Batch {batch_id} is {batch.state}; only created, stopped or failed batches can be "
            "processed."
        )
    batch.state = LegacyBatchState.queued.value
    batch.error = None
    batch.job_id = await LEGACY_JOB.submit(
        runner,
        LegacyJobParams(batch_id=batch.id, user_id=user_id),
        created_by_id=user_id,
        session=session,
    )
    return batch


def read(batch: LegacyBatch) -> LegacyBatchRead:
    done = batch.processed_items
    return LegacyBatchRead(
        id=batch.id,
        name=batch.name,
        state=batch.state,
        total_items=batch.total_items,
        processed_items=done,
        failed_items=batch.failed_items,
        percent=round(100.0 * done / batch.total_items, 1) if batch.total_items else 100.0,
        job_id=batch.job_id,
        error=batch.error,
        created_at=batch.created_at,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
    )


async def stats(session: AsyncSession) -> LegacyStats:
    by_state = {
        state: int(n)
        for state, n in await session.execute(
            select(LegacyBatch.state, func.count()).group_by(LegacyBatch.state)
        )
    }
    totals = (
        await session.execute(
            select(
                func.coalesce(func.sum(LegacyBatch.total_items), 0),
                func.coalesce(func.sum(LegacyBatch.processed_items), 0),
                func.coalesce(func.sum(LegacyBatch.failed_items), 0),
            )
        )
    ).one()
    mean_item = await session.scalar(
        select(func.avg(LegacyBatchItem.duration_ms)).where(
            LegacyBatchItem.duration_ms.is_not(None)
        )
    )
    spans = await session.execute(
        select(LegacyBatch.started_at, LegacyBatch.finished_at)
        .where(LegacyBatch.started_at.is_not(None), LegacyBatch.finished_at.is_not(None))
        .order_by(LegacyBatch.finished_at.desc())
        .limit(1000)
    )
    durations = [
        (as_utc(end) - as_utc(start)).total_seconds() for start, end in spans if start and end
    ]
    processed, failed = int(totals[1]), int(totals[2])
    return LegacyStats(
        batches=sum(by_state.values()),
        by_state=by_state,
        items_total=int(totals[0]),
        items_processed=processed,
        items_failed=failed,
        failure_rate=round(failed / processed, 4) if processed else None,
        mean_item_duration_ms=round(float(mean_item), 2) if mean_item is not None else None,
        mean_batch_duration_seconds=round(sum(durations) / len(durations), 3)
        if durations
        else None,
    )


# -- the job --------------------------------------------------------------------------------------


async def _set(job: LegacyJob, batch_id: str, **values: Any) -> LegacyBatch:
    async with job.session() as session:
        await session.execute(
            update(LegacyBatch).where(LegacyBatch.id == batch_id).values(**values)
        )
        return await get(session, batch_id)


async def run_legacy_batch(job: LegacyJob) -> LegacyJobReport:
    """Items one by one, each in its own transaction; resumable (pending items carry on)."""
    batch_id = job.params.batch_id
    async with job.session() as session:
        batch = await get(session, batch_id)
        actor = Actor(source=AuditSource.batch, user_id=job.params.user_id)
    batch = await _set(
        job,
        batch_id,
        state=LegacyBatchState.processing.value,
        started_at=batch.started_at or utcnow(),
        finished_at=None,
    )
    await job.progress(
        total=batch.total_items, done=batch.processed_items, failed=batch.failed_items
    )
    processed, failed = batch.processed_items, batch.failed_items
    try:
        while True:
            async with job.session() as session:
                items = list(
                    await session.scalars(
                        select(LegacyBatchItem)
                        .where(
                            LegacyBatchItem.batch_id == batch_id,
                            LegacyBatchItem.state == LegacyItemState.pending.value,
                        )
                        .order_by(LegacyBatchItem.position)
                        .limit(CHUNK)
                    )
                )
            if not items:
                break
            for item in items:
                if job.should_stop:
                    await _set(
                        job, batch_id, state=LegacyBatchState.stopped.value, finished_at=utcnow()
                    )
                    return LegacyJobReport(
                        batch_id=batch_id, processed=processed, failed=failed, stopped=True
                    )
                started = time.perf_counter()
                error: str | None = None
                try:
                    async with job.session() as session:
                        await apply_item(session, item, actor)
                except AppError as exc:
                    error = exc.detail
                state = LegacyItemState.failed if error else LegacyItemState.succeeded
                processed += 1
                failed += 1 if error else 0
                async with job.session() as session:
                    await session.execute(
                        update(LegacyBatchItem)
                        .where(LegacyBatchItem.id == item.id)
                        .values(
                            state=state.value,
                            error=error,
                            duration_ms=round((time.perf_counter() - started) * 1000, 3),
                            finished_at=utcnow(),
                        )
                    )
                    await session.execute(
                        update(LegacyBatch)
                        .where(LegacyBatch.id == batch_id)
                        .values(processed_items=processed, failed_items=failed)
                    )
                await job.progress(done=processed - failed, failed=failed)
    except Exception as exc:
        await _set(
            job,
            batch_id,
            state=LegacyBatchState.failed.value,
            error=f"{type(exc).__name__}: {exc}"[:10_000],
            finished_at=utcnow(),
        )
        raise
    final = LegacyBatchState.completed_with_errors if failed else LegacyBatchState.completed
    await _set(job, batch_id, state=final.value, finished_at=utcnow())
    return LegacyJobReport(batch_id=batch_id, state=final.value, processed=processed, failed=failed)


def register(runner: JobRunner) -> None:
    LEGACY_JOB.register(runner, run_legacy_batch, concurrency=2, writes=True)
