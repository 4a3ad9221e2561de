"""PostgreSQL settings for a pull's own transactions (`apply.retrying` opens them); SQLite has
none of these.

* `synchronous_commit = off`: the commit returns before its WAL reaches the disk, with no wait
  for an fsync. A crash of the server or machine can lose only the last such commits (a few
  hundred milliseconds); the database stays consistent, and what survives is always every commit
  up to some point in WAL order. The pull's resume point (the job's checkpoint, the incremental
  cursor) is saved after its chunk in a later commit: a checkpoint that survives means the chunk
  before it did too, and a lost chunk is pulled again on resume (applying is idempotent).
  Anything else (edits, webhook acks, the job's own writes) commits as before: the setting is
  LOCAL to the pull's transaction.

`planned_for_its_parameters` wraps a chunk's look-ups by key (handles and Shopify ids taken, the
chunk's known products). A pull into an empty catalog prepares them while `product` is a few
pages: after five runs the server keeps a generic plan costed for that size, a sequential scan,
until the table is next analysed, and each chunk then scans the whole growing table (20-90 ms a
look-up at 20k products, seen with auto_explain). Planned for their parameters each time they
use the indexes. Only around them: the setting would also replan the foreign-key checks and the
search-text trigger at every row (measured: +0.12 ms of server CPU per product).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_ASYNC_COMMIT = text("SET LOCAL synchronous_commit = off")
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")
_DEFAULT_PLANS = text("SET LOCAL plan_cache_mode = DEFAULT")


def _postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def tune_pull_transaction(session: AsyncSession) -> None:
    """Set this transaction's settings for a pull (PostgreSQL; nothing on SQLite)."""
    if _postgresql(session):
        await session.execute(_ASYNC_COMMIT)


@asynccontextmanager
async def planned_for_its_parameters(session: AsyncSession) -> AsyncIterator[None]:
    """The statements inside planned for their parameters at each run (PostgreSQL)."""
    if not _postgresql(session):
        yield
        return
    await session.execute(_CUSTOM_PLANS)
    yield
    await session.execute(_DEFAULT_PLANS)


__all__ = ["planned_for_its_parameters", "tune_pull_transaction"]
