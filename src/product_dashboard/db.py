"""Engine and sessions: one session per request, committed on success, rolled back on error."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, FromClause, event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.requests import HTTPConnection

from product_dashboard.kit.aiosqlite_onehop import one_hop_dbapi
from product_dashboard.kit.files import make_private_dir
from product_dashboard.kit.json_column import dumps as json_column_text
from product_dashboard.kit.lazy_begin import begin_before_writes, lazy_begin_options

# How long a statement waits for SQLite's write lock before "database is locked". The webhook
# writer's connections wait less, and spool what they cannot store (inbound.spool).
BUSY_TIMEOUT_MS = 10_000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
)


# PostgreSQL, every connection of the app: no JIT. Its threshold is a plan cost, which grows
# with the catalog: at 100k products no list or batch statement reaches it (the costliest list
# statement, a search with status and price, 38k of 100k), but ~3x larger the combined list
# would compile 35 functions on each custom-planned run, for nothing: p50 145 -> 117 ms with
# JIT off (jit_above_cost lowered to 10,000 to stand for the larger catalog).
# No parallel query either: a list page walks an index and stops at its 50th match, and under a
# Gather Merge each worker walks on by itself until the leader has its rows (a search's custom
# plan at 100k products: 23,198 index entries walked and probed for 51 rows, against 690
# alone), while starting workers costs more than the small statements a request runs.
POSTGRES_SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0"}


def safe_url(database_url: str | URL) -> str:
    """The database URL as shown in messages and logs: its password hidden."""
    return make_url(database_url).render_as_string(hide_password=True)


def unicode_lower(value: object) -> object:
    """lower() for SQLite, in place of its own, which folds ASCII letters only ('ÇÀ' stays
    'ÇÀ'): smart collections' rules and the vendor, type and category filters compare
    lower(column) with a value Python lowered, so an accented title matched no rule and
    `vendor=ünïcode co` missed 'Ünïcode Co'. Deterministic, so indexes on lower(…) may use it;
    migration 0043 rebuilt those built with SQLite's."""
    return value.lower() if isinstance(value, str) else value


def _set_up_sqlite(dbapi_connection: Any, _: Any) -> None:
    dbapi_connection.create_function("lower", 1, unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def begin_writing(conn: Connection) -> None:
    """SQLite: open the connection's transaction holding the write lock now (BEGIN IMMEDIATE,
    waiting on busy_timeout), unless a transaction is open already. Reads from then on see
    every commit before it, and no other writer's until it ends."""
    adapter = conn.connection.dbapi_connection
    driver: Any = getattr(adapter, "_connection", adapter)
    if not driver.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_before_savepoint(conn: Connection, _name: str) -> None:
    # sqlite3 opens its implicit transaction only before INSERT/UPDATE/DELETE. A SAVEPOINT sent
    # first would open the transaction itself, and releasing it would COMMIT, out of reach of the
    # session's rollback. IMMEDIATE: a savepoint is about to write, so take the write lock now
    # (waiting on busy_timeout) rather than fail later upgrading a read snapshot.
    begin_writing(conn)


class _SQLiteHintingCompiler(SQLiteCompiler):
    """Renders `Select.with_hint(table, "INDEXED BY ix", "sqlite")`, which SQLite's stock
    compiler drops: SQLite keeps no statistics, so the few queries whose best index it can't
    infer from their shape name it (product/listing.py)."""

    def get_from_hint_text(self, table: FromClause, text: str | None) -> str | None:
        return text


def _create_private_file(path: Path) -> None:
    """The SQLite database (its -wal and -shm files copy its mode) readable by its owner only."""
    make_private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _create_private_file(Path(url.database))
        driver = {"module": one_hop_dbapi()} if url.get_driver_name() == "aiosqlite" else {}
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30},
            json_serializer=json_column_text,
            **driver,
        )
        engine.dialect.statement_compiler = _SQLiteHintingCompiler
        event.listen(engine.sync_engine, "connect", _set_up_sqlite)
        event.listen(engine.sync_engine, "savepoint", _begin_before_savepoint)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args={"server_settings": POSTGRES_SETTINGS},
        json_serializer=json_column_text,
    )
    event.listen(engine.sync_engine, "before_cursor_execute", begin_before_writes)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that read (GET, HEAD): on PostgreSQL their transaction opens at
    the first write, if any (kit/lazy_begin.py); on SQLite the same as `create_sessionmaker`'s."""
    if engine.dialect.name != "postgresql":
        return create_sessionmaker(engine)
    return create_sessionmaker(engine.execution_options(**lazy_begin_options()))


READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = (
        request.app.state.read_sessionmaker
        if request.method in READ_METHODS
        else request.app.state.sessionmaker
    )
    async with sessionmaker() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": commit before the response is sent, so a 2xx means the data is durable and
# the client's next request sees it.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_sessionmaker(connection: HTTPConnection) -> async_sessionmaker[AsyncSession]:
    """For work that outlives the request's session (streamed exports, WebSocket checks)."""
    sessionmaker: async_sessionmaker[AsyncSession] = connection.app.state.sessionmaker
    return sessionmaker


async def get_engine(connection: HTTPConnection) -> AsyncEngine:
    engine: AsyncEngine = connection.app.state.engine
    return engine


SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
EngineDep = Annotated[AsyncEngine, Depends(get_engine)]


SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def committing(sessionmaker: async_sessionmaker[AsyncSession]) -> SessionFactory:
    """A factory of sessions whose block commits on success (as `JobContext.session` does)."""

    @asynccontextmanager
    async def factory() -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session, session.begin():
            yield session

    return factory
