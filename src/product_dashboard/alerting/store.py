"""Alerts kept in the database: stored as raised, listed newest first, acknowledged by editors
and admins. Only `keep` commits (its own transaction); the rest runs in the caller's."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.alerting.notices import HELD_KIND, KeptNotice, Notice
from product_dashboard.exceptions import NotFound
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import AlertRecord, AuditEvent, User

# The row holds the Notice field for field (`at` as created_at): a field added to Notice needs
# its column, or storing and reading fail here.
_FIELDS = tuple(name for name in Notice.model_fields if name != "at")
JOB_DECISIONS = ("approve", "reject")  # `job.service`'s audit actions deciding a held job


async def keep(sessionmaker: async_sessionmaker[AsyncSession], notice: Notice) -> int:
    """Store `notice` in a transaction of its own; its id."""
    record = AlertRecord(**{name: getattr(notice, name) for name in _FIELDS}, created_at=notice.at)
    async with sessionmaker() as session, session.begin():
        session.add(record)
        await session.flush()
        return record.id


def _read(record: AlertRecord, acknowledged_by: str | None) -> KeptNotice:
    return KeptNotice.model_validate(
        {
            **{name: getattr(record, name) for name in _FIELDS},
            "at": as_utc(record.created_at),
            "id": record.id,
            "acknowledged_at": as_utc(record.acknowledged_at) if record.acknowledged_at else None,
            "acknowledged_by": acknowledged_by,
        }
    )


def _unacknowledged(only: bool) -> ColumnElement[bool]:
    return AlertRecord.acknowledged_at.is_(None) if only else true()


async def _count(session: AsyncSession, *, unacknowledged: bool) -> int:
    total = await session.scalar(
        select(func.count()).select_from(AlertRecord).where(_unacknowledged(unacknowledged))
    )
    return int(total or 0)


async def list_alerts(
    session: AsyncSession, *, unacknowledged: bool, offset: int, limit: int
) -> tuple[Sequence[KeptNotice], int]:
    """Newest first."""
    rows = await session.execute(
        select(AlertRecord, User.email)
        .outerjoin(User, User.id == AlertRecord.acknowledged_by_id)
        .where(_unacknowledged(unacknowledged))
        .order_by(AlertRecord.id.desc())
        .offset(offset)
        .limit(limit)
    )
    items = [_read(record, email) for record, email in rows]
    return items, await _count(session, unacknowledged=unacknowledged)


async def acknowledge(session: AsyncSession, alert_id: int, user: User) -> tuple[KeptNotice, bool]:
    """The alert, and whether this acknowledged it. Acknowledged once: of two people at once,
    or anyone later, the first stays who did it, and when (one conditional UPDATE decides)."""
    result = await session.execute(
        update(AlertRecord)
        .where(AlertRecord.id == alert_id, AlertRecord.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    row = (
        await session.execute(
            select(AlertRecord, User.email)
            .outerjoin(User, User.id == AlertRecord.acknowledged_by_id)
            .where(AlertRecord.id == alert_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise NotFound(f"No alert {alert_id} (alerts older than the retention period are pruned).")
    return _read(row[0], row[1]), bool(getattr(result, "rowcount", 0))


async def settle_held(sessionmaker: async_sessionmaker[AsyncSession], job_id: str) -> int:
    """A held job's alerts acknowledged once the job is decided (approved or rejected): by
    whoever decided it, as of then (the decision's audit entry). How many; none while the job
    is undecided. Its own transaction."""
    async with sessionmaker() as session, session.begin():
        decision = (
            await session.execute(
                select(AuditEvent.actor_id, AuditEvent.at)
                .where(
                    AuditEvent.entity_type == "job",
                    AuditEvent.entity_id == job_id,
                    AuditEvent.action.in_(JOB_DECISIONS),
                )
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )
        ).first()
        if decision is None:
            return 0
        by, at = decision
        known = await session.scalar(select(User.id).where(User.id == by)) if by else None
        result = await session.execute(
            update(AlertRecord)
            .where(
                AlertRecord.kind == HELD_KIND,
                AlertRecord.job_id == job_id,
                AlertRecord.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=at, acknowledged_by_id=known)
        )
        return int(getattr(result, "rowcount", 0) or 0)


async def acknowledge_all(session: AsyncSession, user: User, through_id: int | None) -> int:
    """Every unacknowledged alert (up to `through_id`, the newest the person saw, if given)."""
    statement = update(AlertRecord).where(AlertRecord.acknowledged_at.is_(None))
    if through_id is not None:
        statement = statement.where(AlertRecord.id <= through_id)
    result = await session.execute(
        statement.values(acknowledged_at=utcnow(), acknowledged_by_id=user.id)
    )
    return int(getattr(result, "rowcount", 0) or 0)
