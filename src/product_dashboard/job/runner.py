"""The in-process job runner: claims queued jobs, runs their handlers, survives crashes.

Ownership of a running job is a *lease* held in `heartbeat_at`: every write the runner makes is
`UPDATE … WHERE heartbeat_at = <the value we last wrote>` and renews it. A process that dies stops
renewing; once the heartbeat is older than `stale_after`, any runner (this process after a restart,
or another process sharing PostgreSQL) takes the job back with a compare-and-set on that same value
and re-queues it, so it resumes from its checkpoint. A runner that was only paused too long (not
dead) finds its lease gone on its next write and abandons the job instead of running it twice.
Because recovery goes by heartbeat age, not "everything at start-up", it is safe for several
processes on one database. A job whose holder ran on this machine and is gone (killed, crashed) is
taken back at once, without waiting for `stale_after` (see job.owner), so a restarted dashboard
resumes its own jobs on start-up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.eventstream.bus import JOBS, EventBus
from product_dashboard.job import service
from product_dashboard.job.commit_hooks import on_commit
from product_dashboard.job.context import Handler, JobContext, JobHeld, JobStopped, StopReason
from product_dashboard.job.owner import LeaseOwner, this_process
from product_dashboard.job.repository import JobRepository
from product_dashboard.job.schemas import JobSummary
from product_dashboard.kit.log_fields import log_fields
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Job, JobState
from product_dashboard.monitoring import metrics

logger = logging.getLogger(__name__)


@dataclass
class RunnerConfig:
    max_concurrency: int = 4
    poll_interval: float = 1.0  # how often to look for jobs queued by other processes
    progress_interval: float = 0.5  # at most one progress write and one event per job per interval
    heartbeat_interval: float = 5.0
    stale_after: float = 30.0  # a running job whose heartbeat is older belongs to a dead process
    shutdown_grace: float = 10.0  # how long handlers get to wind down when the app stops


def _log_failure(ctx: JobContext, reason: str, *, traceback: bool = False) -> None:
    fields = log_fields(job=ctx.job_id, type=ctx.type, reason=reason)
    logger.error("job %s (%s) failed", ctx.job_id, ctx.type, exc_info=traceback, extra=fields)


ONE_WRITER = "one-writer"
"""The exclusive group of every job type registered with `writes=True`, on SQLite only."""


@dataclass
class _Registration:
    handler: Handler
    concurrency: int
    exclusive: str | None = None
    writes: bool = False
    running: int = 0


@dataclass
class _Run:
    ctx: JobContext
    job: Job
    lease: datetime
    lock: asyncio.Lock
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    handler_task: asyncio.Task[dict[str, Any] | None] | None = None
    last_write: float = 0.0


class JobRunner:
    """Register handlers by type, `start()` with a sessionmaker, `submit()` jobs."""

    def __init__(self, bus: EventBus | None = None, config: RunnerConfig | None = None) -> None:
        self.bus = bus
        self.config = config or RunnerConfig()
        self._handlers: dict[str, _Registration] = {}
        self._runs: dict[str, _Run] = {}
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self._wakeup: asyncio.Event | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._closing = False
        self._one_writer = False

    # -- public API ---------------------------------------------------------------------------

    def register(
        self,
        type: str,
        handler: Handler,
        *,
        concurrency: int = 1,
        exclusive: str | None = None,
        writes: bool = False,
    ) -> None:
        """Run jobs of `type` with `handler`, at most `concurrency` at a time in this process.

        Jobs of the types registered with the same `exclusive` group never run at the same time,
        in any process sharing the database (a push and a pull of one store): a queued one waits
        until no job of its group is running or stopping.

        `writes`: the handler writes the catalog. On SQLite (one writer at a time; a job holds
        the write lock a chunk at a time, for minutes in all) such jobs take turns, as one more
        group (`ONE_WRITER`), instead of meeting "database is locked" half-way.
        PostgreSQL writes rows concurrently: there they run side by side.
        """
        if type in self._handlers:
            raise ValueError(f"a handler for job type {type!r} is already registered")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._handlers[type] = _Registration(handler, concurrency, exclusive, writes)
        self.wake()

    def exclusive_types(self, type: str) -> tuple[str, ...]:
        """The job types that may not run while a job of `type` does (itself included)."""
        registration = self._handlers.get(type)
        groups = set() if registration is None else self._groups(registration)
        if not groups:
            return ()
        return tuple(sorted(t for t, reg in self._handlers.items() if groups & self._groups(reg)))

    def _groups(self, registration: _Registration) -> set[str]:
        groups = set() if registration.exclusive is None else {registration.exclusive}
        if registration.writes and self._one_writer:
            groups.add(ONE_WRITER)
        return groups

    @property
    def types(self) -> frozenset[str]:
        return frozenset(self._handlers)

    @property
    def running_ids(self) -> frozenset[str]:
        return frozenset(self._runs)

    async def start(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        bind = sessionmaker.kw.get("bind")
        self._one_writer = bind is not None and bind.dialect.name == "sqlite"
        self._closing = False
        self._wakeup = asyncio.Event()
        self._loop_task = asyncio.create_task(self._loop(), name="job-runner")

    async def close(self) -> None:
        """Stop claiming; ask running handlers to wind down; re-queue what they leave unfinished."""
        self._closing = True
        if self._loop_task is not None:
            # Let the loop finish its iteration: cancelling mid-query can strand a DB connection.
            self.wake()
            _, late = await asyncio.wait([self._loop_task], timeout=self.config.shutdown_grace)
            for task in late:
                task.cancel()
            self._loop_task = None
        runs = list(self._runs.values())
        for run in runs:
            run.ctx.request_stop(StopReason.shutdown)
        tasks = [run.task for run in runs if run.task is not None]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=self.config.shutdown_grace)
        for run in runs:
            if run.task in pending and run.handler_task is not None:
                run.handler_task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=self.config.shutdown_grace)

    async def submit(
        self,
        type: str,
        params: dict[str, Any] | None = None,
        *,
        created_by_id: int | None = None,
        session: AsyncSession | None = None,
    ) -> str:
        """Queue a job and return its id.

        With `session`, the row is added to the caller's transaction and the runner only hears of
        it once that transaction commits (a rollback leaves no job). Without, it commits at once.
        """
        if type not in self._handlers:
            raise ValueError(f"no handler registered for job type {type!r}")
        if session is None:
            async with self._sessions()() as own, own.begin():
                return await self.submit(type, params, created_by_id=created_by_id, session=own)
        job = await service.create(session, type, params, created_by_id=created_by_id)
        self.notify_after_commit(session, job, "job.queued")
        return job.id

    async def cancel(self, job_id: str, *, session: AsyncSession | None = None) -> Job:
        """Stop a job: queued → stopped now; running → stopping, then stopped by its handler."""
        if session is None:
            async with self._sessions()() as own, own.begin():
                return await self.cancel(job_id, session=own)
        job = await service.cancel(session, job_id)
        if job.state == JobState.stopping:
            on_commit(session, lambda: self._signal_stop(job_id))
        self.notify_after_commit(session, job, f"job.{job.state}")
        return job

    async def resume(self, job_id: str, *, session: AsyncSession | None = None) -> Job:
        """Queue a stopped or failed job again; its handler gets the saved checkpoint."""
        if session is None:
            async with self._sessions()() as own, own.begin():
                return await self.resume(job_id, session=own)
        job = await service.resume(session, job_id)
        self.notify_after_commit(session, job, "job.queued")
        return job

    async def decide(
        self, job_id: str, actor: Actor, *, approve: bool, reason: str | None, session: AsyncSession
    ) -> Job:
        """Approve (queued again) or reject (stopped) a job awaiting approval."""
        if approve:
            job = await service.approve(session, job_id, actor)
        else:
            job = await service.reject(session, job_id, actor, reason)
        self.notify_after_commit(session, job, f"job.{job.state}")
        return job

    def live_eta(self, job_id: str) -> float | None:
        run = self._runs.get(job_id)
        return None if run is None else run.ctx.eta_seconds()

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        if self._wakeup is not None:
            self._wakeup.set()

    def notify_after_commit(self, session: AsyncSession, job: Job, event_type: str) -> None:
        """After `session` commits: wake the runner and publish `event_type` about `job`."""
        payload = JobSummary.from_job(job).model_dump(mode="json")

        def notify() -> None:
            self.wake()
            # Not a run of this runner's: counted, but the running gauge is not its to move.
            metrics.observe_job_transition(job.type, event_type.removeprefix("job."))
            self._publish(event_type, payload)

        on_commit(session, notify)

    def _signal_stop(self, job_id: str) -> None:
        run = self._runs.get(job_id)
        if run is not None:
            run.ctx.request_stop(StopReason.requested)

    # -- the loop -----------------------------------------------------------------------------

    def _sessions(self) -> async_sessionmaker[AsyncSession]:
        if self._sessionmaker is None:
            raise RuntimeError("JobRunner.start() has not been called")
        return self._sessionmaker

    async def _loop(self) -> None:
        next_sweep = 0.0
        assert self._wakeup is not None
        while not self._closing:
            self._wakeup.clear()
            try:
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.config.heartbeat_interval
                    await self.recover_orphans()
                await self._refresh_stop_requests()
                await self._claim_available()
            except Exception:
                logger.exception("job runner iteration failed; retrying")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.config.poll_interval)

    async def recover_orphans(self) -> list[str]:
        """Take back jobs whose holder stopped heartbeating, or is a process of this machine that
        is gone (the loop does this, first at start-up); their ids."""
        cutoff = utcnow() - timedelta(seconds=self.config.stale_after)
        async with self._sessions()() as session, session.begin():
            repository = JobRepository(session)
            recovered: list[Job] = []
            candidates = await repository.orphan_candidates(cutoff, this_process().host)
            for job_id, state, heartbeat, expired, owner in candidates:
                if job_id in self._runs:
                    continue  # ours, merely slow to heartbeat
                holder = LeaseOwner.parse(owner)
                if not expired and not (holder is not None and holder.is_dead_here()):
                    continue  # its holder is alive, or on another machine and heartbeating
                # A stop was requested before the crash: honour it instead of restarting.
                to = JobState.stopped if state == JobState.stopping else JobState.queued
                extra = {"finished_at": utcnow()} if to == JobState.stopped else {}
                if await repository.release_stale(job_id, heartbeat, to, **extra):
                    logger.warning("job %s was orphaned by a dead process; now %s", job_id, to)
                    job = await session.get(Job, job_id, populate_existing=True)
                    if job is not None:
                        recovered.append(job)
            for job in recovered:
                self.notify_after_commit(session, job, f"job.{job.state}")
        return [job.id for job in recovered]

    async def _refresh_stop_requests(self) -> None:
        if not self._runs:
            return
        async with self._sessions()() as session:
            states = await JobRepository(session).states(list(self._runs))
        for job_id, state in states.items():
            if state == JobState.stopping:
                self._signal_stop(job_id)

    async def _claim_available(self) -> None:
        free = self.config.max_concurrency - len(self._runs)
        # Only types that could start now: a queue of jobs waiting for their group would
        # otherwise fill the look-ahead and hold back a job free to run.
        types = [
            t
            for t, reg in self._handlers.items()
            if reg.running < reg.concurrency
            and not any(self._handlers[other].running for other in self.exclusive_types(t))
        ]
        if free <= 0 or not types or self._closing:
            return
        async with self._sessions()() as session:
            candidates = await JobRepository(session).queued(types, limit=free * 4)
        for job_id, job_type in candidates:
            registration = self._handlers[job_type]
            if len(self._runs) >= self.config.max_concurrency or self._closing:
                break
            if registration.running >= registration.concurrency:
                continue
            unless_active = self.exclusive_types(job_type)
            if any(self._handlers[other].running for other in unless_active):
                # Its group runs here: the claim would be refused, and on SQLite the attempt
                # itself would wait out the busy timeout behind the running job's write lock.
                continue
            lease = utcnow()
            async with self._sessions()() as session, session.begin():
                job = await JobRepository(session).claim(job_id, lease, unless_active=unless_active)
            if job is not None:
                self._start_run(job, lease, registration)

    # -- one job ------------------------------------------------------------------------------

    def _start_run(self, job: Job, lease: datetime, registration: _Registration) -> None:
        ctx = JobContext(job, self._sessions())
        run = _Run(ctx=ctx, job=job, lease=lease, lock=asyncio.Lock(), last_write=time.monotonic())
        ctx.bind_flush(lambda: self._persist(run, force=True))
        self._runs[job.id] = run
        registration.running += 1
        run.task = asyncio.create_task(self._execute(run, registration), name=f"job-{job.id}")
        metrics.observe_job_transition(job.type, JobState.running.value, JobState.queued.value)
        self._publish("job.started", self._summary(run))

    async def _execute(self, run: _Run, registration: _Registration) -> None:
        ctx = run.ctx
        run.handler_task = asyncio.create_task(
            registration.handler(ctx), name=f"handler-{ctx.type}"
        )
        ticker = asyncio.create_task(self._tick(run), name=f"ticker-{ctx.job_id}")
        try:
            outcome, values = await self._outcome(run)
            run.finished.set()  # the ticker exits between writes, never cancelled mid-query
            await ticker
            if outcome is not None:
                await self._finish(run, outcome, values)
        except Exception:
            logger.exception("could not record the end of job %s", ctx.job_id)
        finally:
            run.finished.set()
            self._runs.pop(ctx.job_id, None)
            registration.running -= 1
            self.wake()

    async def _outcome(self, run: _Run) -> tuple[JobState | None, dict[str, Any]]:
        ctx = run.ctx
        assert run.handler_task is not None
        try:
            report = await run.handler_task
        except JobStopped:
            report = None
            stopped = True
        except JobHeld:
            return JobState.awaiting_approval, {}
        except asyncio.CancelledError:
            if ctx.stop_reason is None:
                raise
            report, stopped = None, True
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            _log_failure(ctx, reason, traceback=True)
            values = {"error": reason[:10_000], "finished_at": utcnow()}
            return JobState.failed, values
        else:
            stopped = ctx.stop_observed and ctx.stop_reason is not None
        if report is not None and not isinstance(report, dict):
            error = f"handler returned {type(report).__name__}; expected a dict or None"
            _log_failure(ctx, error)
            return JobState.failed, {"error": error, "finished_at": utcnow()}
        if report is not None:
            ctx.report = report
        if ctx.stop_reason == StopReason.lease_lost:
            return None, {}
        if stopped and ctx.stop_reason == StopReason.shutdown:
            return JobState.queued, {}
        if stopped:
            return JobState.stopped, {"finished_at": utcnow()}
        return JobState.completed, {"finished_at": utcnow()}

    async def _finish(self, run: _Run, state: JobState, values: Mapping[str, Any]) -> None:
        extra = dict(values, state=state.value)
        if run.ctx.report:
            try:
                json.dumps(run.ctx.report)
                extra["report"] = run.ctx.report
            except (TypeError, ValueError) as exc:
                # Written as is, the row could never be finished and the job would rerun forever.
                error = f"the job's report is not JSON-serialisable: {exc}"
                _log_failure(run.ctx, error)
                extra.update(state=JobState.failed.value, error=error, finished_at=utcnow())
                state = JobState.failed
        if await self._write_end(run, extra) is None:
            logger.warning("job %s: lease lost before its end could be recorded", run.ctx.job_id)
            metrics.observe_job_transition(run.job.type, "lease_lost", JobState.running.value)
            return
        for key, value in extra.items():
            setattr(run.job, key, value)
        # From "running" whatever the row said meanwhile (a stop request makes it "stopping"):
        # the gauge counted this run when it started.
        metrics.observe_job_transition(run.job.type, state.value, JobState.running.value)
        self._publish(f"job.{state.value}", self._summary(run))

    async def _write_end(self, run: _Run, values: Mapping[str, Any]) -> str | None:
        """The end's write, tried again while the database refuses it (SQLite's write lock held
        past its busy timeout by a long transaction elsewhere, a dropped connection). Given up,
        the row would stay "running" with a lease nobody renews, and the job, done already,
        would be taken back as orphaned and run a second time."""
        delay = 0.25
        while True:
            try:
                return await self._write(run, values)
            except (OperationalError, InterfaceError):
                if self._closing:
                    raise
                logger.warning(
                    "job %s: its end could not be recorded yet; trying again",
                    run.ctx.job_id,
                    exc_info=True,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _tick(self, run: _Run) -> None:
        """Persist and publish progress at most every `progress_interval`; heartbeat meanwhile."""
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(run.finished.wait(), self.config.progress_interval)
            if run.finished.is_set():
                return
            heartbeat_due = time.monotonic() - run.last_write >= self.config.heartbeat_interval
            try:
                held = await self._persist(run, force=heartbeat_due)
            except Exception:
                logger.exception("job %s: progress write failed; will retry", run.ctx.job_id)
                continue
            if not held:
                if run.handler_task is not None:
                    run.handler_task.cancel()
                return

    async def _persist(self, run: _Run, *, force: bool) -> bool:
        """Write pending progress (or just heartbeat if `force`); False if the lease is lost."""
        ctx = run.ctx
        dirty = ctx.take_dirty()
        if not dirty and not force:
            return True
        try:
            state = await self._write(run, {})
        except BaseException:
            if dirty:
                ctx.mark_dirty()
            raise
        if state is None:
            logger.error("job %s: lease lost to another runner; abandoning it", ctx.job_id)
            ctx.request_stop(StopReason.lease_lost)
            return False
        if state == JobState.stopping:
            ctx.request_stop(StopReason.requested)
        if dirty:
            self._publish("job.progress", self._summary(run))
        return True

    async def _write(self, run: _Run, values: Mapping[str, Any]) -> str | None:
        """One lease-fenced write of the job's counters and checkpoint (plus `values`)."""
        async with run.lock:
            new_lease = max(utcnow(), run.lease + timedelta(microseconds=1))
            snapshot = run.ctx.snapshot()
            async with self._sessions()() as session, session.begin():
                written = await JobRepository(session).write_leased(
                    run.ctx.job_id, run.lease, new_lease, **snapshot, **values
                )
            if written is None:
                return None
            state, run.job.updated_at = written
            run.lease = new_lease
            run.last_write = time.monotonic()
            for key, value in snapshot.items():
                setattr(run.job, key, value)
            run.job.heartbeat_at = new_lease
            run.job.state = state
            return state

    def _summary(self, run: _Run) -> dict[str, Any]:
        active = run.job.state in (JobState.running, JobState.stopping)
        eta = run.ctx.eta_seconds() if active else None
        return JobSummary.from_job(run.job, eta_seconds=eta).model_dump(mode="json")

    def _publish(self, event_type: str, data: dict[str, Any]) -> None:
        if self.bus is not None:
            self.bus.publish(JOBS, event_type, data)
