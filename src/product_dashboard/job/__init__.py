"""Durable background jobs: handlers register by type; the runner executes, checkpoints, resumes.

Each job type declares its params, checkpoint and report as models (`job.typed`):

    class PushParams(JobModel): product_ids: list[int]
    class PushCheckpoint(JobModel): next: int = 0
    class PushReport(JobModel): pushed: int
    PUSH = JobType("sync.push", PushParams, PushCheckpoint, PushReport)

    async def push(job: TypedJob[PushParams, PushCheckpoint, PushReport]) -> PushReport:
        ids = job.params.product_ids
        start = job.checkpoint.next if job.checkpoint else 0      # where a previous run stopped
        await job.progress(total=len(ids))
        for i in range(start, len(ids)):
            await job.check_stop()                                # raises JobStopped if asked to
            async with job.session() as session:                  # commits on success
                ...
            await job.advance(done=1, checkpoint=PushCheckpoint(next=i + 1))  # or failed=1 ...
        return PushReport(pushed=len(ids))                        # the job's report

    PUSH.register(runner, push, concurrency=1)   # runner: app.state.job_runner / JobRunnerDep
    job_id = await PUSH.submit(runner, PushParams(product_ids=[1]), session=session)

With `session=`, the job joins the caller's transaction and is only seen (and announced on the
`jobs` channel) after that transaction commits. Handlers must be idempotent per item: after a
crash the work since the last persisted checkpoint is done again. Underneath, the runner stores
params, checkpoint and report as JSON (`JobContext` is the untyped view it hands a handler).
"""

from product_dashboard.job.context import Handler, JobContext, JobHeld, JobStopped, StopReason
from product_dashboard.job.runner import JobRunner, RunnerConfig

__all__ = [
    "Handler",
    "JobContext",
    "JobHeld",
    "JobRunner",
    "JobStopped",
    "RunnerConfig",
    "StopReason",
]
