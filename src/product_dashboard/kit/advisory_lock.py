"""PostgreSQL transaction-scoped advisory locks, keyed by a name every process derives alike."""

from __future__ import annotations

import zlib

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


async def lock_until_commit(
    connection: AsyncConnection | AsyncSession, name: str, *, shared: bool = False
) -> None:
    """Hold the advisory lock named `name` until the transaction ends (shared: beside other
    shared holders, excluding an exclusive one). PostgreSQL only: the caller decides the dialect."""
    key = zlib.crc32(name.encode())
    lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    await connection.execute(select(lock(key)))
