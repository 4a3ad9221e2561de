"""The append-only audit log: who changed what, when, from where, before and after."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.kit.json_column import JsonText
from product_dashboard.models import AuditEvent, AuditSource, User


@dataclass(frozen=True, slots=True)
class Actor:
    source: AuditSource
    user_id: int | None = None
    email: str | None = None

    @classmethod
    def for_user(cls, user: User, source: AuditSource = AuditSource.api) -> Actor:
        return cls(source=source, user_id=user.id, email=user.email)

    @classmethod
    def for_request(cls, user: User, headers: Mapping[str, str]) -> Actor:
        """The dashboard marks its changes with `X-Change-Source: ui`; other callers are the API."""
        ui = headers.get(CHANGE_SOURCE_HEADER, "").lower() == "ui"
        return cls.for_user(user, AuditSource.ui if ui else AuditSource.api)


CHANGE_SOURCE_HEADER = "X-Change-Source"


def changed_fields(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, from each side."""
    keys = [k for k in after.keys() | before.keys() if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


def record(
    session: AsyncSession,
    actor: Actor,
    *,
    entity_type: str,
    entity_id: str | int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    batch_id: str | None = None,
) -> AuditEvent:
    event = entry(
        actor,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
        batch_id=batch_id,
    )
    session.add(event)
    return event


def entry(
    actor: Actor,
    *,
    entity_type: str,
    entity_id: str | int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    batch_id: str | None = None,
) -> AuditEvent:
    """The entry `record` adds, not added to a session (for `insert_entries`)."""
    return AuditEvent(
        **entry_values(
            actor,
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            before=before,
            after=after,
            batch_id=batch_id,
        )
    )


def entry_values(
    actor: Actor,
    *,
    entity_type: str,
    entity_id: str | int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | JsonText | None,
    batch_id: str | None = None,
) -> dict[str, Any]:
    """An entry's column values (its time is the insert's), for writers of plain rows (`after`
    may come as its JSON text: `kit.json_column.JsonText`)."""
    return {
        "actor_id": actor.user_id,
        "actor_email": actor.email,
        "source": actor.source.value,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "action": action,
        "before": before,
        "after": after,
        "batch_id": batch_id,
    }


async def insert_entries(session: AsyncSession, entries: Sequence[AuditEvent]) -> None:
    """These entries in one INSERT. Their ids are not read back (nothing refers to an entry):
    asking for them would cost SQLite a statement per row."""
    if not entries:
        return
    table = AuditEvent.__table__
    await session.execute(
        insert(AuditEvent),
        [{c.key: getattr(e, c.key) for c in table.columns if c.key in e.__dict__} for e in entries],
    )
