"""What a job handler sees while it runs: its params, checkpoint, progress, stop flag, sessions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job.schemas import JobProgress, estimate_eta
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Job

Handler = Callable[["JobContext"], Coroutine[Any, Any, dict[str, Any] | None]]


class JobStopped(Exception):
    """Raised by `JobContext.check_stop()`; the runner records the job as stopped."""


class JobHeld(Exception):
    """Raised by a handler to hold its job for approval before it changes anything; the runner
    records it `awaiting_approval` with the report the handler set (which says why)."""


class StopReason(StrEnum):
    requested = "requested"  # someone asked to stop: the job ends `stopped`, resumable
    shutdown = "shutdown"  # this process is exiting: the job goes back to `queued`
    lease_lost = "lease_lost"  # another process took the job over: we write nothing more


_PRECEDENCE = [StopReason.shutdown, StopReason.requested, StopReason.lease_lost]


class JobContext:
    """Handed to a handler; counters and checkpoint are written by the runner, throttled."""

    def __init__(self, job: Job, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.job_id: str = job.id
        self.type: str = job.type
        self.params: dict[str, Any] = dict(job.params or {})
        self.report: dict[str, Any] = dict(job.report or {})
        self._checkpoint: dict[str, Any] | None = job.checkpoint
        # Plain ints, not a model: handlers may report progress hundreds of thousands of times.
        self._counts = {
            "total": job.total,
            "done": job.done,
            "failed": job.failed,
            "skipped": job.skipped,
        }
        self._sessionmaker = sessionmaker
        self._flush: Callable[[], Awaitable[bool]] | None = None
        self._dirty = False
        self._stop_reason: StopReason | None = None
        self._stop_observed = False
        self._stop_event = asyncio.Event()
        self._run_started_at = utcnow()
        self._worked_at_start = job.done + job.failed

    # -- checkpoint ---------------------------------------------------------------------------

    @property
    def checkpoint(self) -> dict[str, Any] | None:
        """The last saved checkpoint: from the previous run when resumed, else None."""
        return self._checkpoint

    async def save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Remember where to resume; persisted with the next progress write and at the end.

        Must be JSON-serialisable (checked here, so a bad value fails the handler, not the runner).
        When items were also processed, pass the checkpoint to `advance` or `progress` instead.
        """
        self._set_checkpoint(checkpoint)
        self._dirty = True
        await asyncio.sleep(0)

    def _set_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        json.dumps(checkpoint)
        self._checkpoint = checkpoint

    # -- progress -----------------------------------------------------------------------------

    @property
    def counters(self) -> JobProgress:
        """Current counters (carried over from earlier runs when resumed)."""
        return JobProgress(**self._counts)

    async def progress(
        self,
        *,
        done: int | None = None,
        failed: int | None = None,
        skipped: int | None = None,
        total: int | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> None:
        """Set counters to absolute values (None leaves one unchanged); cheap, call it often.

        A `checkpoint` given here is saved in the same step, so no write ever holds one without
        the other (see `advance`).
        """
        if checkpoint is not None:
            self._set_checkpoint(checkpoint)
        counts = self._counts
        if done is not None:
            counts["done"] = done
        if failed is not None:
            counts["failed"] = failed
        if skipped is not None:
            counts["skipped"] = skipped
        if total is not None:
            counts["total"] = total
        self._dirty = True
        await asyncio.sleep(0)

    async def advance(
        self,
        *,
        done: int = 0,
        failed: int = 0,
        skipped: int = 0,
        checkpoint: dict[str, Any] | None = None,
    ) -> None:
        """Add to the counters: `await ctx.advance(done=1, checkpoint={"next": i + 1})` per item.

        Counters and checkpoint change in one step. Set apart (`save_checkpoint`, then `advance`)
        the runner may write between the two; a crash then resumes with counters that miss, or
        count twice, the items of that step.
        """
        if checkpoint is not None:
            self._set_checkpoint(checkpoint)
        counts = self._counts
        counts["done"] += done
        counts["failed"] += failed
        counts["skipped"] += skipped
        self._dirty = True
        await asyncio.sleep(0)

    async def flush(self) -> None:
        """Persist counters and checkpoint now (e.g. before a slow step) instead of on the tick."""
        if self._flush is not None and not await self._flush():
            raise JobStopped(self._stop_reason)

    def eta_seconds(self) -> float | None:
        return estimate_eta(
            self.counters, self._run_started_at, worked_before=self._worked_at_start
        )

    # -- stopping -----------------------------------------------------------------------------

    @property
    def should_stop(self) -> bool:
        """True once the job should wind down: finish in-flight work, save, then return."""
        if self._stop_reason is not None:
            self._stop_observed = True
            return True
        return False

    async def check_stop(self) -> None:
        """Yield to the loop, then raise `JobStopped` if the job should stop."""
        await asyncio.sleep(0)
        if self.should_stop:
            raise JobStopped(self._stop_reason)

    async def wait_for_stop(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds, waking early on a stop; True if stopping."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), timeout)
        return self.should_stop

    # -- database -----------------------------------------------------------------------------

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session of its own that commits when the block succeeds and rolls back otherwise."""
        async with self._sessionmaker() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()

    # -- runner side --------------------------------------------------------------------------

    @property
    def stop_reason(self) -> StopReason | None:
        return self._stop_reason

    def request_stop(self, reason: StopReason) -> None:
        current = self._stop_reason
        if current is None or _PRECEDENCE.index(reason) > _PRECEDENCE.index(current):
            self._stop_reason = reason
        self._stop_event.set()

    @property
    def stop_observed(self) -> bool:
        """Whether the handler saw the stop flag (so returning means it stopped early)."""
        return self._stop_observed

    def bind_flush(self, flush: Callable[[], Awaitable[bool]]) -> None:
        self._flush = flush

    def mark_dirty(self) -> None:
        self._dirty = True

    def take_dirty(self) -> bool:
        dirty, self._dirty = self._dirty, False
        return dirty

    def snapshot(self) -> dict[str, Any]:
        """Column values for the runner's next write."""
        return {**self._counts, "checkpoint": self._checkpoint}
