"""Time helpers: everything is timezone-aware UTC."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; treat them as the UTC they were stored as."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def latest(*times: datetime | None) -> datetime | None:
    """The latest of the known ones of `times` (None when none is known)."""
    known = [time for time in times if time is not None]
    return max(known) if known else None


def earliest(times: Iterable[datetime | None]) -> datetime | None:
    """The earliest of `times`; None when there are none or one of them is not known (a time
    every one of them is known to be at or after)."""
    known: list[datetime] = []
    for time in times:
        if time is None:
            return None
        known.append(time)
    return min(known) if known else None


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 timestamp (any offset, or Z) as aware UTC; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
