"""Transactions whose COMMIT does not wait for their WAL's fsync (PostgreSQL; nothing on SQLite).

`synchronous_commit = off`, LOCAL to the transaction: the commit returns before its WAL reaches
the disk. A crash of the server or machine can lose only the last such commits (a few hundred
milliseconds: the WAL writer flushes them within three `wal_writer_delay`s); the database stays
consistent, and what survives is always every commit up to some point in WAL order, so a later
commit that does wait (anyone else's: an edit, a webhook's ack) makes every earlier one durable.
Only for work that carries its own progress mark in the same or a later transaction, so that a
lost commit is simply work done again: a pull's chunk (its checkpoint is saved after it), a
webhook event (its processed mark commits with its result).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_ASYNC_COMMIT = text("SET LOCAL synchronous_commit = off")


async def commit_early(session: AsyncSession) -> None:
    """This transaction's COMMIT returns without waiting for its WAL's fsync (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_ASYNC_COMMIT)


__all__ = ["commit_early"]
