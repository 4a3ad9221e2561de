"""The shop's event log: what `QueryRoot.events` lists (products and collections created,
updated, deleted), as extraction clients read it to find deleted products."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shopify_emulator.clock import utc_now
from shopify_emulator.gid import make_gid

# Store topics ("products/delete") → Shopify's event actions.
_ACTIONS = {"create": "create", "update": "update", "delete": "destroy"}
_SUBJECTS = {"products": ("PRODUCT", "Product"), "collections": ("COLLECTION", "Collection")}
_VERBS = {"create": "created", "update": "updated", "destroy": "deleted"}


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    action: str
    subject_type: str  # EventSubjectType
    subject_gid: str
    message: str
    created_at: datetime
    graphql_type = "BasicEvent"

    @property
    def gid(self) -> str:
        return make_gid("BasicEvent", self.id)


# The newest events kept; a long demo or benchmark would otherwise grow the log without end.
MAX_EVENTS = 100_000


class EventLog:
    """Events in creation order (ids increase with time), the newest `limit` kept in memory."""

    def __init__(self, limit: int = MAX_EVENTS) -> None:
        self.events: list[EventRecord] = []
        self.limit = limit
        self._ids = itertools.count(1)

    def record(self, topic: str, record: Any) -> None:
        """A store change listener: one event per product/collection change."""
        resource, _, verb = topic.partition("/")
        subject = _SUBJECTS.get(resource)
        action = _ACTIONS.get(verb)
        if subject is None or action is None:
            return
        subject_type, label = subject
        title = getattr(record, "title", "") or record.gid
        self.events.append(
            EventRecord(
                id=next(self._ids),
                action=action,
                subject_type=subject_type,
                subject_gid=record.gid,
                message=f"{label} {title} was {_VERBS[action]}.",
                created_at=utc_now(),
            )
        )
        if len(self.events) > self.limit + self.limit // 10:
            del self.events[: len(self.events) - self.limit]

    def get(self, number: int) -> EventRecord | None:
        if not self.events:
            return None
        index = number - self.events[0].id  # ids are consecutive
        return self.events[index] if 0 <= index < len(self.events) else None

    def clear(self) -> None:
        self.events.clear()
