"""Job handlers for batches too large to answer inline: the thin layer around the engine."""

from __future__ import annotations

from product_dashboard.audit.service import Actor
from product_dashboard.batch import engine
from product_dashboard.exceptions import AppError
from product_dashboard.job import JobRunner
from product_dashboard.job.typed import JobModel, JobType, NoCheckpoint, TypedJob
from product_dashboard.kit.time import utcnow
from product_dashboard.models import AuditSource, BatchState, ProductBatch


class BatchJobParams(JobModel):
    batch_id: str


class UndoJobParams(JobModel):
    batch_id: str
    user_id: int | None = None
    email: str | None = None


class BatchJobReport(JobModel):
    """The batch's summary; while the job runs, only the current `step`."""

    step: str | None = None
    batch_id: str | None = None
    kind: str | None = None
    state: str | None = None
    matched: int | None = None
    changed: int | None = None
    reverted: int | None = None
    """Undo only."""

    @classmethod
    def of(cls, batch: ProductBatch) -> BatchJobReport:
        return cls(
            batch_id=batch.id,
            kind=batch.kind,
            state=batch.state,
            matched=batch.matched,
            changed=batch.changed,
        )


BATCH_JOB = JobType("product.batch", BatchJobParams, NoCheckpoint, BatchJobReport)
UNDO_JOB = JobType("product.batch_undo", UndoJobParams, NoCheckpoint, BatchJobReport)
BatchJob = TypedJob[BatchJobParams, NoCheckpoint, BatchJobReport]
UndoJob = TypedJob[UndoJobParams, NoCheckpoint, BatchJobReport]


async def _fail(job: BatchJob | UndoJob, batch_id: str, exc: Exception, state: BatchState) -> None:
    detail = exc.detail if isinstance(exc, AppError) else f"{type(exc).__name__}: {exc}"
    async with job.session() as session:
        batch = await engine.get_batch(session, batch_id)
        batch.state = state.value
        batch.error = detail[:10_000]
        batch.finished_at = batch.finished_at or utcnow()


async def run_batch(job: BatchJob) -> BatchJobReport:
    batch_id = job.params.batch_id
    holder: dict[str, ProductBatch] = {}

    async def progress(step: str, fraction: float) -> None:
        batch = holder["batch"]
        job.report = BatchJobReport(step=step)
        await job.progress(total=batch.matched, done=int(batch.matched * fraction))

    try:
        async with job.session() as session:
            batch = await engine.get_batch(session, batch_id)
            if batch.state != BatchState.queued:
                return BatchJobReport.of(batch)
            holder["batch"] = batch
            await engine.execute(session, batch, progress)
            summary = BatchJobReport.of(batch)
    except Exception as exc:
        await _fail(job, batch_id, exc, BatchState.failed)
        raise
    return summary


async def run_undo(job: UndoJob) -> BatchJobReport:
    batch_id = job.params.batch_id
    actor = Actor(source=AuditSource.batch, user_id=job.params.user_id, email=job.params.email)

    async def progress(step: str, fraction: float) -> None:
        job.report = BatchJobReport(step=step)
        await job.progress(total=100, done=int(100 * fraction))

    try:
        async with job.session() as session:
            batch = await engine.get_batch(session, batch_id)
            if batch.state != BatchState.undoing:
                return BatchJobReport.of(batch)
            reverted = await engine.undo(session, batch, actor, progress, state=BatchState.undoing)
            summary = BatchJobReport.of(batch).model_copy(update={"reverted": reverted})
    except Exception as exc:
        # The batch stays as it was (completed): its changes are all still in place.
        await _fail(job, batch_id, exc, BatchState.completed)
        raise
    return summary


def register(runner: JobRunner) -> None:
    BATCH_JOB.register(runner, run_batch, concurrency=1, writes=True)
    UNDO_JOB.register(runner, run_undo, concurrency=1, writes=True)
