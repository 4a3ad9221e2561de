"""Typed jobs: each job type declares its params, checkpoint and report as Pydantic models.

    class PushParams(JobModel): ...
    PUSH_JOB = JobType("sync.push", PushParams, PushCheckpoint, PushReport)

    async def push(job: TypedJob[PushParams, PushCheckpoint, PushReport]) -> PushReport: ...
    PUSH_JOB.register(runner, push)
    job_id = await PUSH_JOB.submit(runner, PushParams(...), session=session)
    report = PUSH_JOB.report_of(job_row)

The runner stores them as JSON in the job row (`params`, `checkpoint`, `report`): the keys a
caller gave or a handler changed (see `JobModel`), so a model stores exactly the dict the untyped
version stored, and what the previous version stored still loads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.job.context import JobContext
from product_dashboard.job.runner import JobRunner
from product_dashboard.job.schemas import JobProgress
from product_dashboard.models import Job


class JobModel(BaseModel):
    """A job's params, checkpoint or report; unknown keys in stored JSON are ignored.

    Serialised with the fields that were given or differ from their default (nested models
    too), so a model stores exactly the dict its untyped predecessor stored; `store_defaults`
    writes every field.
    """

    store_defaults: ClassVar[bool] = False

    @model_serializer(mode="wrap")
    def _given_or_changed(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.store_defaults:
            return data
        fields = type(self).model_fields
        given = self.model_fields_set
        return {
            name: value
            for name, value in data.items()
            if name in given
            or name not in fields
            or getattr(self, name) != fields[name].get_default(call_default_factory=True)
        }

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class NoCheckpoint(JobModel):
    """For job types that never resume part-way."""


P = TypeVar("P", bound=JobModel)
C = TypeVar("C", bound=JobModel)
R = TypeVar("R", bound=JobModel)


class TypedJob(Generic[P, C, R]):
    """What a typed handler sees: `JobContext` with its params, checkpoint and report as models.

    `report` is the report so far (from the previous run when resumed); the runner stores it
    when the handler ends without returning one (stopped or failed).
    """

    def __init__(self, ctx: JobContext, job_type: JobType[P, C, R]) -> None:
        self._ctx = ctx
        self.params: P = job_type.params.model_validate(ctx.params)
        self.checkpoint: C | None = (
            None if ctx.checkpoint is None else job_type.checkpoint.model_validate(ctx.checkpoint)
        )
        self.report: R | None = job_type.report.model_validate(ctx.report) if ctx.report else None

    @property
    def job_id(self) -> str:
        return self._ctx.job_id

    @property
    def counters(self) -> JobProgress:
        return self._ctx.counters

    @property
    def should_stop(self) -> bool:
        return self._ctx.should_stop

    def session(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._ctx.session()

    async def progress(
        self,
        *,
        done: int | None = None,
        failed: int | None = None,
        skipped: int | None = None,
        total: int | None = None,
        checkpoint: C | None = None,
    ) -> None:
        await self._ctx.progress(
            done=done,
            failed=failed,
            skipped=skipped,
            total=total,
            checkpoint=self._keep(checkpoint),
        )

    async def advance(
        self, *, done: int = 0, failed: int = 0, skipped: int = 0, checkpoint: C | None = None
    ) -> None:
        await self._ctx.advance(
            done=done, failed=failed, skipped=skipped, checkpoint=self._keep(checkpoint)
        )

    async def save_checkpoint(self, checkpoint: C) -> None:
        await self._ctx.save_checkpoint(checkpoint.to_json())
        self.checkpoint = checkpoint

    def _keep(self, checkpoint: C | None) -> dict[str, Any] | None:
        if checkpoint is None:
            return None
        self.checkpoint = checkpoint
        return checkpoint.to_json()

    async def flush(self) -> None:
        await self._ctx.flush()

    async def check_stop(self) -> None:
        await self._ctx.check_stop()

    async def wait_for_stop(self, timeout: float) -> bool:
        return await self._ctx.wait_for_stop(timeout)

    def eta_seconds(self) -> float | None:
        return self._ctx.eta_seconds()


TypedHandler = Callable[[TypedJob[P, C, R]], Awaitable[R | None]]


@dataclass(frozen=True)
class JobType(Generic[P, C, R]):
    """A job type: its name and the models of its params, checkpoint and report."""

    name: str
    params: type[P]
    checkpoint: type[C]
    report: type[R]

    def register(
        self,
        runner: JobRunner,
        handler: TypedHandler[P, C, R],
        *,
        concurrency: int = 1,
        exclusive: str | None = None,
        writes: bool = False,
    ) -> None:
        async def handle(ctx: JobContext) -> dict[str, Any] | None:
            job = TypedJob(ctx, self)
            try:
                result = await handler(job)
            finally:
                if job.report is not None:
                    ctx.report = job.report.to_json()
            return None if result is None else result.to_json()

        runner.register(
            self.name, handle, concurrency=concurrency, exclusive=exclusive, writes=writes
        )

    async def submit(
        self,
        runner: JobRunner,
        params: P,
        *,
        created_by_id: int | None = None,
        session: AsyncSession | None = None,
    ) -> str:
        return await runner.submit(
            self.name, params.to_json(), created_by_id=created_by_id, session=session
        )

    def params_of(self, job: Job) -> P:
        return self.params.model_validate(job.params or {})

    def checkpoint_of(self, job: Job) -> C | None:
        return None if job.checkpoint is None else self.checkpoint.model_validate(job.checkpoint)

    def report_of(self, job: Job) -> R | None:
        return self.report.model_validate(job.report) if job.report else None


__all__ = [
    "JobModel",
    "JobType",
    "NoCheckpoint",
    "TypedHandler",
    "TypedJob",
]
