"""All webhook-event queries: store-once, claim with a lease, finish, retry, list and count."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from product_dashboard.kit.time import utcnow
from product_dashboard.models import WebhookEvent, WebhookState

_INSERT_NEW: dict[str, Any] = {}


_EVENTS = cast(Table, WebhookEvent.__table__)
_FINISH = (
    update(_EVENTS)
    .where(_EVENTS.c.id == bindparam("b_id"))
    .values(
        state=bindparam("b_state"),
        outcome=bindparam("b_outcome"),
        locked_until=None,
        processed_at=bindparam("b_at"),
        last_error=None,
    )
)


def _insert_new_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT (webhook_id) DO NOTHING RETURNING webhook_id, built once a dialect."""
    statement = _INSERT_NEW.get(dialect)
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = cast(Table, WebhookEvent.__table__)
        statement = (
            insert(table)
            .on_conflict_do_nothing(index_elements=[table.c.webhook_id])
            .returning(table.c.webhook_id)
        )
        _INSERT_NEW[dialect] = statement
    return statement


async def insert_new_events(connection: AsyncConnection, rows: list[dict[str, Any]]) -> set[str]:
    """Insert rows whose webhook id is not stored yet; the ids inserted.

    Executed for many rows at once: SQLAlchemy sends one multi-row statement built from a
    compiled form it caches, so no batch size compiles anew. `rows` must not repeat a webhook id
    and must all have the same keys.
    """
    if not rows:
        return set()
    result = await connection.execute(_insert_new_statement(connection.dialect.name), rows)
    return set(result.scalars())


class WebhookEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _due(now: datetime) -> Any:
        return or_(
            and_(
                WebhookEvent.state == WebhookState.pending.value,
                WebhookEvent.next_attempt_at <= now,
            ),
            # A claim whose lease ran out belongs to a process that died mid-way.
            and_(
                WebhookEvent.state == WebhookState.processing.value,
                WebhookEvent.locked_until < now,
            ),
        )

    async def claim(self, limit: int, lease: timedelta) -> list[WebhookEvent]:
        """Take up to `limit` due events (oldest first) for this process until the lease ends."""
        now = utcnow()
        ids = list(
            await self.session.scalars(
                select(WebhookEvent.id).where(self._due(now)).order_by(WebhookEvent.id).limit(limit)
            )
        )
        if not ids:
            return []
        # Conditional on still being due: another process that claimed first wins the row. The
        # rows this UPDATE changed are its answer: read back by their lease's end instead, a
        # claim made in the same clock tick by another process would be taken as ours too.
        claimed = await self.session.scalars(
            update(WebhookEvent)
            .where(WebhookEvent.id.in_(ids), self._due(now))
            .values(
                state=WebhookState.processing.value,
                locked_until=now + lease,
                attempts=WebhookEvent.attempts + 1,
            )
            .returning(WebhookEvent)
            .execution_options(synchronize_session=False)
        )
        return sorted(claimed, key=lambda event: event.id)

    async def finish(self, event_id: int, state: WebhookState, outcome: str) -> None:
        await self.session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == event_id)
            .values(
                state=state.value,
                outcome=outcome[:64],
                locked_until=None,
                processed_at=utcnow(),
                last_error=None,
            )
        )

    async def finish_many(self, finished: Sequence[tuple[int, WebhookState, str]]) -> None:
        """`finish` of each (event id, state, outcome), in one statement."""
        if not finished:
            return
        now = utcnow()
        await self.session.execute(
            _FINISH,
            [
                {"b_id": event_id, "b_state": state.value, "b_outcome": outcome[:64], "b_at": now}
                for event_id, state, outcome in finished
            ],
        )

    async def fail(self, event_id: int, error: str, *, retry_at: datetime | None) -> None:
        """Record a failed attempt: pending again at `retry_at`, or dead when None."""
        values: dict[str, Any] = {"last_error": error[:4000], "locked_until": None}
        if retry_at is None:
            values.update(state=WebhookState.dead.value, processed_at=utcnow(), outcome="dead")
        else:
            values.update(state=WebhookState.pending.value, next_attempt_at=retry_at)
        await self.session.execute(
            update(WebhookEvent).where(WebhookEvent.id == event_id).values(**values)
        )

    async def replay(self, event_id: int) -> bool:
        """Queue a dead (or any final) event again from scratch."""
        result = await self.session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == event_id)
            .values(
                state=WebhookState.pending.value,
                attempts=0,
                next_attempt_at=utcnow(),
                locked_until=None,
                last_error=None,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def handled_before(
        self, resource_id: str, *, exclude_id: int, topics: frozenset[str], limit: int
    ) -> list[tuple[str, str]]:
        """(topic, body) of the newest processed events about `resource_id`, newest first."""
        rows = await self.session.execute(
            select(WebhookEvent.topic, WebhookEvent.body)
            .where(
                WebhookEvent.resource_id == resource_id,
                WebhookEvent.id != exclude_id,
                WebhookEvent.state == WebhookState.processed.value,
                WebhookEvent.topic.in_(sorted(topics)),
                WebhookEvent.outcome != "stale",
            )
            .order_by(WebhookEvent.id.desc())
            .limit(limit)
        )
        return [(topic, body) for topic, body in rows.all()]

    async def get(self, event_id: int) -> WebhookEvent | None:
        return await self.session.get(WebhookEvent, event_id)

    async def by_webhook_id(self, webhook_id: str) -> WebhookEvent | None:
        return (
            await self.session.execute(
                select(WebhookEvent).where(WebhookEvent.webhook_id == webhook_id)
            )
        ).scalar_one_or_none()

    async def list(
        self,
        *,
        topic: str | None,
        states: Sequence[str] | None,
        resource_id: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[WebhookEvent], int]:
        conditions = []
        if topic:
            conditions.append(WebhookEvent.topic == topic)
        if states:
            conditions.append(WebhookEvent.state.in_(list(states)))
        if resource_id:
            conditions.append(WebhookEvent.resource_id == resource_id)
        total = await self.session.scalar(
            select(func.count()).select_from(WebhookEvent).where(*conditions)
        )
        rows = await self.session.scalars(
            select(WebhookEvent)
            .where(*conditions)
            .order_by(WebhookEvent.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(rows), int(total or 0)

    async def counts_by_state(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(WebhookEvent.state, func.count()).group_by(WebhookEvent.state)
        )
        return {state: int(count) for state, count in rows.all()}

    async def retrying(self) -> int:
        """Pending events that already failed at least once."""
        total = await self.session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(
                WebhookEvent.state == WebhookState.pending.value,
                WebhookEvent.last_error.is_not(None),
            )
        )
        return int(total or 0)

    async def outcomes(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(WebhookEvent.outcome, func.count())
            .where(WebhookEvent.outcome.is_not(None))
            .group_by(WebhookEvent.outcome)
        )
        return {str(outcome): int(count) for outcome, count in rows.all()}

    async def last_received_at(self) -> datetime | None:
        value: datetime | None = await self.session.scalar(
            select(func.max(WebhookEvent.received_at))
        )
        return value
