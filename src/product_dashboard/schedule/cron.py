"""Cron expressions (five fields, UTC), parsed by croniter."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter

from product_dashboard.kit.time import as_utc


def is_valid(expression: str) -> bool:
    return len(expression.split()) == 5 and bool(croniter.is_valid(expression))


def next_run(expression: str, after: datetime) -> datetime:
    """The first time strictly after `after` that the expression names."""
    found: datetime = croniter(expression, as_utc(after).astimezone(UTC)).get_next(datetime)
    return as_utc(found)
