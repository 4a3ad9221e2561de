"""Queries on the `job` table. Runner writes are fenced by the heartbeat lease (see runner)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from product_dashboard.job.owner import this_process
from product_dashboard.kit.advisory_lock import lock_until_commit
from product_dashboard.models import Job, JobState


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, job_id: str) -> Job | None:
        return await self.session.get(Job, job_id)

    async def add(self, job: Job) -> Job:
        self.session.add(job)
        await self.session.flush()
        return job

    async def paginate(
        self,
        *,
        offset: int,
        limit: int,
        type: str | Sequence[str] | None = None,
        state: JobState | None = None,
    ) -> tuple[Sequence[Job], int]:
        conditions = []
        if isinstance(type, str):
            conditions.append(Job.type == type)
        elif type is not None:
            conditions.append(Job.type.in_(type))
        if state is not None:
            conditions.append(Job.state == state.value)
        total = await self.session.scalar(select(func.count()).select_from(Job).where(*conditions))
        rows = await self.session.scalars(
            select(Job)
            .where(*conditions)
            .order_by(Job.created_at.desc(), Job.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), int(total or 0)

    async def transition(
        self, job_id: str, from_states: Sequence[JobState], to: JobState, **values: Any
    ) -> bool:
        """Move a job to `to` only if it is still in one of `from_states` (compare-and-set)."""
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state.in_([s.value for s in from_states]))
            .values(state=to.value, lease_owner=None, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def active(self, types: Collection[str]) -> Sequence[Job]:
        """Running or stopping jobs of these types, oldest first."""
        if not types:
            return []
        rows = await self.session.scalars(
            select(Job)
            .where(
                Job.state.in_([JobState.running.value, JobState.stopping.value]),
                Job.type.in_(types),
            )
            .order_by(Job.started_at, Job.id)
        )
        return rows.all()

    async def queued(self, types: Sequence[str], limit: int) -> Sequence[tuple[str, str]]:
        """Oldest queued jobs of the given types, as (id, type)."""
        if not types or limit <= 0:
            return []
        rows = await self.session.execute(
            select(Job.id, Job.type)
            .where(Job.state == JobState.queued.value, Job.type.in_(types))
            .order_by(Job.created_at, Job.id)
            .limit(limit)
        )
        return [(row.id, row.type) for row in rows]

    async def claim(
        self, job_id: str, lease: datetime, *, unless_active: Sequence[str] = ()
    ) -> Job | None:
        """Take a queued job: mark it running with our lease; None if someone else took it,
        or while a job of one of the `unless_active` types is running or stopping, or one of
        them is queued ahead of it (in `queued` order).

        The last keeps the group's order when a job is re-queued after the caller listed the
        queue: a push a dead process left running, released meanwhile, goes before a newer pull.
        """
        conditions = [Job.id == job_id, Job.state == JobState.queued.value]
        started: ColumnElement[datetime] = literal(lease, Job.started_at.type)
        if unless_active:
            await self._serialise_claims(unless_active)
            other = aliased(Job)
            ahead = (other.created_at < Job.created_at) | (
                (other.created_at == Job.created_at) & (other.id < Job.id)
            )
            conditions.append(
                ~exists().where(
                    other.type.in_(unless_active),
                    other.state.in_([JobState.running.value, JobState.stopping.value])
                    | ((other.state == JobState.queued.value) & ahead),
                )
            )
            # The caller read the clock before this statement, which can wait for the writer
            # while the group's last job records its end: start no earlier than that end, read
            # by the statement that sees the group idle.
            last_end = (
                select(func.max(other.finished_at))
                .where(other.type.in_(unless_active))
                .scalar_subquery()
            )
            started = case((last_end > started, last_end), else_=started)
        result = await self.session.execute(
            update(Job)
            .where(*conditions)
            .values(
                state=JobState.running.value,
                heartbeat_at=lease,
                lease_owner=str(this_process()),
                started_at=func.coalesce(Job.started_at, started),
                finished_at=None,
                error=None,
            )
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            return None
        job = await self.session.get(Job, job_id, populate_existing=True)
        return job

    async def _serialise_claims(self, group: Sequence[str]) -> None:
        """On PostgreSQL, one claim in an exclusive group at a time, until its transaction ends.

        Under READ COMMITTED two processes claiming a push and a pull of one store at once each
        see the other's job still queued, and both would start. SQLite writes one transaction
        at a time, so it needs nothing."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        await lock_until_commit(self.session, ",".join(sorted(group)))

    async def write_leased(
        self, job_id: str, lease: datetime, new_lease: datetime, **values: Any
    ) -> tuple[str, datetime] | None:
        """Update a job we hold and renew the lease; its state and `updated_at` after the
        write, or None if the lease is lost."""
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.heartbeat_at == lease)
            .values(heartbeat_at=new_lease, **values)
            .returning(Job.state, Job.updated_at)
            .execution_options(synchronize_session=False)
        )
        row = result.one_or_none()
        return None if row is None else (str(row.state), row.updated_at)

    async def count_active(self, type: str, created_by_id: int) -> int:
        """Jobs of `type` this user started that are queued or still running."""
        live = [s.value for s in JobState if not s.is_final]
        count = await self.session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.type == type, Job.created_by_id == created_by_id, Job.state.in_(live))
        )
        return int(count or 0)

    async def active_of(self, types: Sequence[str]) -> Job | None:
        """The oldest job of one of `types` that is queued, running or stopping."""
        live = [s.value for s in JobState if not s.is_final]
        return await self.session.scalar(
            select(Job)
            .where(Job.type.in_(types), Job.state.in_(live))
            .order_by(Job.created_at, Job.id)
            .limit(1)
        )

    async def states(self, job_ids: Sequence[str]) -> dict[str, str]:
        if not job_ids:
            return {}
        rows = await self.session.execute(select(Job.id, Job.state).where(Job.id.in_(job_ids)))
        return {row.id: row.state for row in rows}

    async def orphan_candidates(
        self, older_than: datetime, host: str
    ) -> Sequence[tuple[str, str, datetime | None, bool, str | None]]:
        """Running or stopping jobs that may have lost their holder: those whose heartbeat is
        older than `older_than` (`expired`), and those held by a process on `host` (which the
        caller can check for itself), as (id, state, heartbeat, expired, lease owner)."""
        expired = (Job.heartbeat_at < older_than) | Job.heartbeat_at.is_(None)
        rows = await self.session.execute(
            select(
                Job.id, Job.state, Job.heartbeat_at, expired.label("expired"), Job.lease_owner
            ).where(
                Job.state.in_([JobState.running.value, JobState.stopping.value]),
                expired | Job.lease_owner.startswith(f"{host}/", autoescape=True),
            )
        )
        return [
            (row.id, row.state, row.heartbeat_at, bool(row.expired), row.lease_owner)
            for row in rows
        ]

    async def release_stale(
        self, job_id: str, heartbeat_at: datetime | None, to: JobState, **values: Any
    ) -> bool:
        """Take a dead holder's job back (compare-and-set on its last heartbeat)."""
        same_heartbeat = (
            Job.heartbeat_at.is_(None) if heartbeat_at is None else Job.heartbeat_at == heartbeat_at
        )
        result = await self.session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.state.in_([JobState.running.value, JobState.stopping.value]),
                same_heartbeat,
            )
            .values(state=to.value, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
