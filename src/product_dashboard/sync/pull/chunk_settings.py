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

`planned_for_its_parameters` (`kit.custom_plans`) wraps a chunk's look-ups by key (handles and
Shopify ids taken, the chunk's known products).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_ASYNC_COMMIT = text("SET LOCAL synchronous_commit = off")


def _postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def tune_pull_transaction(session: AsyncSession) -> None:
    """Set this transaction's settings for a pull (PostgreSQL; nothing on SQLite)."""
    if _postgresql(session):
        await session.execute(_ASYNC_COMMIT)


__all__ = ["tune_pull_transaction"]
