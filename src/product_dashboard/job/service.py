"""Job rows on behalf of the API and the runner's public methods. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.exceptions import Conflict, NotFound
from product_dashboard.job.repository import JobRepository
from product_dashboard.kit.pagination import PaginationParams
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Job, JobState

RESUMABLE = (JobState.stopped, JobState.failed)


async def create(
    session: AsyncSession,
    type: str,
    params: dict[str, Any] | None = None,
    *,
    created_by_id: int | None = None,
    job_id: str | None = None,
    done: bool = False,
) -> Job:
    """A queued job; `done`: the row of work done in a request rather than by the runner (an
    import answered inline), written completed in the work's own transaction, so the runner
    never claims it and its results rows, undo and files are a job's like any other."""
    now = utcnow() if done else None
    job = Job(
        id=job_id or uuid.uuid4().hex,
        type=type,
        state=(JobState.completed if done else JobState.queued).value,
        params=params or {},
        created_by_id=created_by_id,
        total=0,
        done=0,
        failed=0,
        skipped=0,
        created_at=now or utcnow(),
        started_at=now,
        finished_at=now,
    )
    return await JobRepository(session).add(job)


async def finish_in_request(
    session: AsyncSession, job_id: str, report: dict[str, Any], *, done: int, failed: int
) -> None:
    """The report of work done in a request (`create(done=True)`), once it has committed."""
    job = await get(session, job_id)
    job.report, job.total, job.done, job.failed = report, done + failed, done, failed


async def get(session: AsyncSession, job_id: str) -> Job:
    job = await JobRepository(session).get(job_id)
    if job is None:
        raise NotFound(f"No job with id {job_id}.")
    return job


async def list_jobs(
    session: AsyncSession,
    pagination: PaginationParams,
    *,
    type: str | None = None,
    state: JobState | None = None,
) -> tuple[Sequence[Job], int]:
    return await JobRepository(session).paginate(
        offset=pagination.offset, limit=pagination.per_page, type=type, state=state
    )


async def waiting_for(
    session: AsyncSession,
    jobs: Sequence[Job],
    exclusive_types: Callable[[str], Sequence[str]],
) -> dict[str, Job]:
    """For each queued job among `jobs`, the running (or stopping) job of its group it waits
    for; `exclusive_types` is the runner's (which types may not run beside a type)."""
    groups = {job.id: exclusive_types(job.type) for job in jobs if job.state == JobState.queued}
    wanted = {t for types in groups.values() for t in types}
    if not wanted:
        return {}
    active = await JobRepository(session).active(wanted)
    waits: dict[str, Job] = {}
    for job_id, types in groups.items():
        holder = next((job for job in active if job.type in types), None)
        if holder is not None:
            waits[job_id] = holder
    return waits


async def cancel(session: AsyncSession, job_id: str) -> Job:
    """Queued (or held) jobs stop at once; running ones are asked to stop (`stopping`) and wind
    down."""
    repository = JobRepository(session)
    for _ in range(3):  # a state change by the runner between our read and our write: re-read
        job = await get(session, job_id)
        state = JobState(job.state)
        if state.is_final:
            raise Conflict(f"Job {job_id} is already {state.value}; there is nothing to cancel.")
        if state == JobState.stopping:
            return job
        if state in (JobState.queued, JobState.awaiting_approval):
            moved = await repository.transition(
                job_id, [state], JobState.stopped, finished_at=utcnow()
            )
        else:
            moved = await repository.transition(job_id, [JobState.running], JobState.stopping)
        if moved:
            return await _reload(session, job_id)
    raise Conflict(f"Job {job_id} kept changing state; try again.")


async def resume(session: AsyncSession, job_id: str) -> Job:
    """Queue a stopped or failed job again; it continues from its checkpoint."""
    job = await get(session, job_id)
    state = JobState(job.state)
    if state not in RESUMABLE:
        raise Conflict(f"Job {job_id} is {state.value}; only stopped or failed jobs can resume.")
    moved = await JobRepository(session).transition(
        job_id, RESUMABLE, JobState.queued, finished_at=None, error=None
    )
    if not moved:
        raise Conflict(f"Job {job_id} changed state meanwhile; try again.")
    return await _reload(session, job_id)


async def approve(session: AsyncSession, job_id: str, actor: Actor) -> Job:
    """Release a job held by a guard rule: queued again, with who approved it and when in its
    params (its handler then runs without holding it again); audited."""
    job = await _held(session, job_id)
    approval = {"by_id": actor.user_id, "by_email": actor.email, "at": utcnow().isoformat()}
    return await _decide(session, job, JobState.queued, actor, "approve", approval=approval)


async def reject(session: AsyncSession, job_id: str, actor: Actor, reason: str | None) -> Job:
    """Turn down a held job: it stops without having changed anything; audited."""
    job = await _held(session, job_id)
    who = actor.email or f"user {actor.user_id}"
    error = f"Rejected by {who}" + (f": {reason}" if reason else "")
    return await _decide(session, job, JobState.stopped, actor, "reject", error=error)


async def _held(session: AsyncSession, job_id: str) -> Job:
    job = await get(session, job_id)
    if job.state != JobState.awaiting_approval:
        raise Conflict(f"Job {job_id} is {job.state}; only a job awaiting approval can be decided.")
    return job


async def _decide(
    session: AsyncSession,
    job: Job,
    to: JobState,
    actor: Actor,
    action: str,
    *,
    approval: dict[str, Any] | None = None,
    error: str | None = None,
) -> Job:
    values: dict[str, Any] = {"error": error}
    if approval is not None:
        values["params"] = {**(job.params or {}), "approval": approval}
    if to.is_final:
        values["finished_at"] = utcnow()
    moved = await JobRepository(session).transition(
        job.id, [JobState.awaiting_approval], to, **values
    )
    if not moved:
        raise Conflict(f"Job {job.id} changed state meanwhile; try again.")
    audit.record(
        session,
        actor,
        entity_type="job",
        entity_id=job.id,
        action=action,
        before={"state": JobState.awaiting_approval.value},
        after={"state": to.value, **({"error": error} if error else {})},
    )
    return await _reload(session, job.id)


async def _reload(session: AsyncSession, job_id: str) -> Job:
    job = await session.get(Job, job_id, populate_existing=True)
    assert job is not None
    return job
