"""UTC time helpers with Shopify's DateTime format."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache

_NS_PER_SECOND = 1_000_000_000
_last_second: tuple[int, datetime] = (0, datetime.fromtimestamp(0, UTC))


def utc_now() -> datetime:
    """Now in UTC to the second (`datetime.now(UTC)` without microseconds).

    Writers ask for it on every write; building a datetime once per second is much cheaper.
    """
    global _last_second
    second = time.time_ns() // _NS_PER_SECOND
    last = _last_second
    if last[0] != second:
        last = _last_second = (second, datetime.fromtimestamp(second, UTC))
    return last[1]


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
