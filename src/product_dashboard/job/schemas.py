"""What the API and the event stream say about a job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import Job, JobState


class JobProgress(BaseModel):
    total: int
    done: int
    failed: int
    skipped: int

    @property
    def processed(self) -> int:
        return self.done + self.failed + self.skipped


class JobSummary(BaseModel):
    """A job without its (possibly large) params and report: the payload of `jobs` events."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    type: str
    state: JobState
    progress: JobProgress
    percent: float | None = Field(description="0 to 100; null while the total is unknown")
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    updated_at: datetime = Field(
        description="The job's last write: of two answers or events about a job, the later is "
        "the one with the later `updated_at` (they can arrive in either order)"
    )
    eta_seconds: float | None = Field(description="Estimated seconds left while running")

    @classmethod
    def from_job(cls, job: Job, *, eta_seconds: float | None = None) -> JobSummary:
        return cls.model_validate(_fields(job, eta_seconds))


class JobWait(BaseModel):
    """The running job a queued one waits for."""

    id: str
    type: str
    state: JobState


class JobRead(JobSummary):
    params: dict[str, Any]
    report: dict[str, Any] | None
    waiting_for: JobWait | None = Field(
        default=None,
        description="A queued job's: the job of its group running now, which it waits for (a "
        "store's push, pull and sync undo take turns; on SQLite so do all jobs that write the "
        "catalog). Null when it waits only for a free slot or the runner's next pass",
    )

    @classmethod
    def from_job(
        cls, job: Job, *, eta_seconds: float | None = None, waiting_for: Job | None = None
    ) -> JobRead:
        wait = None
        if waiting_for is not None:
            wait = JobWait(id=waiting_for.id, type=waiting_for.type, state=waiting_for.state)
        return cls.model_validate(
            {
                **_fields(job, eta_seconds),
                "params": job.params,
                "report": job.report,
                "waiting_for": wait,
            }
        )


def _fields(job: Job, eta_seconds: float | None) -> dict[str, Any]:
    progress = JobProgress(total=job.total, done=job.done, failed=job.failed, skipped=job.skipped)
    state = JobState(job.state)
    if eta_seconds is None and state in (JobState.running, JobState.stopping):
        eta_seconds = estimate_eta(progress, job.started_at, job.heartbeat_at)
    return {
        "id": job.id,
        "type": job.type,
        "state": state,
        "progress": progress,
        "percent": percent(progress, state),
        "error": job.error,
        "created_at": as_utc(job.created_at),
        "started_at": _utc_or_none(job.started_at),
        "finished_at": _utc_or_none(job.finished_at),
        "heartbeat_at": _utc_or_none(job.heartbeat_at),
        "updated_at": as_utc(job.updated_at),
        "eta_seconds": eta_seconds,
    }


def percent(progress: JobProgress, state: JobState) -> float | None:
    if state == JobState.completed:
        return 100.0
    if progress.total <= 0:
        return None
    return round(min(100.0, 100.0 * progress.processed / progress.total), 1)


def estimate_eta(
    progress: JobProgress,
    started_at: datetime | None,
    now: datetime | None = None,
    *,
    worked_before: int = 0,
) -> float | None:
    """Seconds left at the average rate of *worked* items (done or failed) since `started_at`;
    None until there is a rate. Skipped items (a push's unchanged products) take no time: counted
    in the rate, a thousand of them skipped in the first second promised the rest in a moment.
    """
    if started_at is None or progress.total <= 0:
        return None
    elapsed = ((now and as_utc(now)) or utcnow()) - as_utc(started_at)
    worked = progress.done + progress.failed - worked_before
    remaining = progress.total - progress.processed
    if remaining <= 0:
        return 0.0
    if worked <= 0 or elapsed.total_seconds() <= 0:
        return None
    return round(remaining * elapsed.total_seconds() / worked, 1)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)
