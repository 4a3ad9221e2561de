"""UTC time helpers with Shopify's DateTime format."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@lru_cache(maxsize=4096)
def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z, as Shopify's DateTime scalar.

    Memoised: records written in the same second share a timestamp, and strftime is slow.
    """
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str) -> datetime:
    """Parse an ISO date or datetime; naive values are taken as UTC."""
    cleaned = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    value = datetime.fromisoformat(cleaned)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
