"""PostgreSQL: every pooled connection pinged with one query as it is checked out.

What `pool_pre_ping` does, so that the first request after a server restart (or a terminated
backend) gets a live connection instead of failing once, in one round trip instead of three:
SQLAlchemy's asyncpg ping wraps its query in BEGIN … ROLLBACK (for pgbouncer's transaction
mode, which this app does not use).
"""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_


def ping_on_checkout(
    dbapi_connection: Any, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """Pool `checkout` event: raising InvalidatePoolError makes the pool replace this connection
    and every other opened before now (all dead after a restart), and try the checkout again."""
    try:
        # asyncpg's simple query protocol: one message. (An empty query there fails on the
        # client; fetchrow(";") is a Parse/Bind/Execute.)
        await_(dbapi_connection.driver_connection.execute("SELECT 1"))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise InvalidatePoolError(f"pre-ping failed: {error!r}") from error


__all__ = ["ping_on_checkout"]
