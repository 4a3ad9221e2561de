"""Durable background jobs: handlers register by type; the runner executes, checkpoints, resumes.

    async def push(ctx: JobContext) -> dict[str, Any] | None:
        ids = ctx.params["product_ids"]
        start = (ctx.checkpoint or {}).get("next", 0)          # where a previous run stopped
        await ctx.progress(total=len(ids))
        for i in range(start, len(ids)):
            await ctx.check_stop()                              # raises JobStopped if asked to
            async with ctx.session() as session:                # commits on success
                ...
            await ctx.advance(done=1, checkpoint={"next": i + 1})  # or failed=1 / skipped=1
        return {"pushed": len(ids)}                             # the job's report

    runner = app.state.job_runner            # or the JobRunnerDep dependency in an endpoint
    runner.register("sync.push", push, concurrency=1)
    job_id = await runner.submit("sync.push", {...}, created_by_id=user.id, session=session)

With `session=`, the job joins the caller's transaction and is only seen (and announced on the
`jobs` channel) after that transaction commits. Handlers must be idempotent per item: after a
crash the work since the last persisted checkpoint is done again.
"""

from product_dashboard.job.context import Handler, JobContext, JobStopped, StopReason
from product_dashboard.job.runner import JobRunner, RunnerConfig

__all__ = ["Handler", "JobContext", "JobRunner", "JobStopped", "RunnerConfig", "StopReason"]
