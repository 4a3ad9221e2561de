"""PostgreSQL: a reading request's transaction opened at its first write, not its first read.

At READ COMMITTED every statement takes its own snapshot, and a plain SELECT holds no lock
that outlives it but the table's ACCESS SHARE (which only holds off DDL). So a transaction
around a GET's reads adds no consistency, only a BEGIN and a COMMIT round trip. A connection
given `lazy_begin_options()` starts in autocommit; the first statement that is not such a read
(a write, SELECT … FOR UPDATE/SHARE, an advisory or `set_config` call, SET LOCAL, a savepoint)
opens a transaction before it runs, so from there on everything is one transaction that the
session commits or rolls back as before, and no write is left outside it.

Only where the server's default is READ COMMITTED (PostgreSQL's own): under a stricter default
a transaction's reads share a snapshot, and there the first statement opens it, as before.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine.interfaces import IsolationLevel

LAZY_BEGIN = "lazy_begin"
_SNAPSHOT_PER_STATEMENT: IsolationLevel = "READ COMMITTED"

_READ = re.compile(r"\s*(SELECT|WITH)\b")
# Keywords as SQLAlchemy writes them (upper case; names are lower case here), and the functions
# whose effect lasts to the end of the transaction.
_NOT_ONLY_READ = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|SHARE|INTO)\b|pg_advisory|set_config|nextval|setval|pg_notify"
)


def lazy_begin_options() -> dict[str, Any]:
    """Execution options of an engine whose connections begin at their first write."""
    return {"isolation_level": "AUTOCOMMIT", LAZY_BEGIN: True}


@lru_cache(maxsize=4096)
def reads_only(sql: str) -> bool:
    """Whether the statement only reads, and needs no transaction at READ COMMITTED."""
    return _READ.match(sql) is not None and _NOT_ONLY_READ.search(sql) is None


def begin_before_writes(
    conn: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    _context: Any,
    _executemany: bool,
) -> None:
    """`before_cursor_execute`: leave autocommit before the first statement that is not a read
    (the asyncpg adapter then sends BEGIN with it), on connections with `LAZY_BEGIN` set."""
    if conn.get_execution_options().get(LAZY_BEGIN) and not (
        _snapshot_per_statement(conn) and reads_only(statement)
    ):
        begin_with_next_statement(conn)


def begin_with_next_statement(conn: Connection) -> None:
    """The transaction opens with the connection's next statement, whatever it is (for work
    that reaches the driver itself, as a COPY does)."""
    adapter = conn.connection.dbapi_connection
    dialect = conn.dialect
    if (
        conn.get_execution_options().get(LAZY_BEGIN)
        and adapter is not None
        and dialect.detect_autocommit_setting(adapter)
    ):
        # The session's transaction is already open in SQLAlchemy's books, so not through the
        # Connection's isolation_level option; returned to the pool, the connection is reset to
        # the default level either way.
        dialect.set_isolation_level(adapter, _default_level(conn))


def _default_level(conn: Connection) -> IsolationLevel:
    return conn.dialect.default_isolation_level or _SNAPSHOT_PER_STATEMENT


def _snapshot_per_statement(conn: Connection) -> bool:
    return _default_level(conn) == _SNAPSHOT_PER_STATEMENT


__all__ = [
    "LAZY_BEGIN",
    "begin_before_writes",
    "begin_with_next_statement",
    "lazy_begin_options",
    "reads_only",
]
