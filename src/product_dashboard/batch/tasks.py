"""Job handlers for batches too large to answer inline: the thin layer around the engine."""

from __future__ import annotations

from typing import Any

from product_dashboard.audit.service import Actor
from product_dashboard.batch import engine
from product_dashboard.exceptions import AppError
from product_dashboard.job import JobContext, JobRunner
from product_dashboard.kit.time import utcnow
from product_dashboard.models import AuditSource, BatchState, ProductBatch

BATCH_JOB = "product.batch"
UNDO_JOB = "product.batch_undo"


def _summary(batch: ProductBatch) -> dict[str, Any]:
    return {
        "batch_id": batch.id,
        "kind": batch.kind,
        "state": batch.state,
        "matched": batch.matched,
        "changed": batch.changed,
    }


async def _fail(ctx: JobContext, batch_id: str, exc: Exception, state: BatchState) -> None:
    detail = exc.detail if isinstance(exc, AppError) else f"{type(exc).__name__}: {exc}"
    async with ctx.session() as session:
        batch = await engine.get_batch(session, batch_id)
        batch.state = state.value
        batch.error = detail[:10_000]
        batch.finished_at = batch.finished_at or utcnow()


async def run_batch(ctx: JobContext) -> dict[str, Any]:
    batch_id = str(ctx.params["batch_id"])
    holder: dict[str, ProductBatch] = {}

    async def progress(step: str, fraction: float) -> None:
        batch = holder["batch"]
        ctx.report["step"] = step
        await ctx.progress(total=batch.matched, done=int(batch.matched * fraction))

    try:
        async with ctx.session() as session:
            batch = await engine.get_batch(session, batch_id)
            if batch.state != BatchState.queued:
                return _summary(batch)
            holder["batch"] = batch
            await engine.execute(session, batch, progress)
            summary = _summary(batch)
    except Exception as exc:
        await _fail(ctx, batch_id, exc, BatchState.failed)
        raise
    return summary


async def run_undo(ctx: JobContext) -> dict[str, Any]:
    batch_id = str(ctx.params["batch_id"])
    actor = Actor(
        source=AuditSource.batch, user_id=ctx.params.get("user_id"), email=ctx.params.get("email")
    )

    async def progress(step: str, fraction: float) -> None:
        ctx.report["step"] = step
        await ctx.progress(total=100, done=int(100 * fraction))

    try:
        async with ctx.session() as session:
            batch = await engine.get_batch(session, batch_id)
            if batch.state != BatchState.undoing:
                return _summary(batch)
            reverted = await engine.undo(session, batch, actor, progress, state=BatchState.undoing)
            summary = _summary(batch) | {"reverted": reverted}
    except Exception as exc:
        # The batch stays as it was (completed): its changes are all still in place.
        await _fail(ctx, batch_id, exc, BatchState.completed)
        raise
    return summary


def register(runner: JobRunner) -> None:
    runner.register(BATCH_JOB, run_batch, concurrency=1)
    runner.register(UNDO_JOB, run_undo, concurrency=1)
