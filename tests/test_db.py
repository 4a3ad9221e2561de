"""Transactions behave the same on SQLite and PostgreSQL, savepoints included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from product_dashboard import db
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.models import Product
from product_dashboard.product.copy_rows import copy_rows

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def _titles(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT title FROM product ORDER BY title"))
        titles = [row[0] for row in rows]
    await engine.dispose()
    return titles


async def _insert(session: AsyncSession, title: str) -> None:
    await session.execute(
        text(
            "INSERT INTO product (title, handle, status, version, description_html, vendor, "
            "product_type, search_text, total_inventory, open_conflicts, created_at, updated_at) "
            "VALUES (:t, :t, 'active', 1, '', '', '', '', 0, 0, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"t": title},
    )


async def test_released_savepoint_is_undone_by_outer_rollback(clean_database: str) -> None:
    engine = create_engine(clean_database)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        await session.execute(text("SELECT 1"))  # a read first: no write has opened the transaction
        async with session.begin_nested():
            await _insert(session, "inside-savepoint")
        await session.rollback()
    await engine.dispose()
    assert await _titles(clean_database) == []


async def test_rolled_back_savepoint_keeps_the_rest(clean_database: str) -> None:
    engine = create_engine(clean_database)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        await _insert(session, "kept")
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                await _insert(session, "undone")
                raise RuntimeError("bad row")
        await session.commit()
    await engine.dispose()
    assert await _titles(clean_database) == ["kept"]


def test_a_new_sqlite_database_is_private(tmp_path: Path) -> None:
    database = tmp_path / "data" / "dashboard.sqlite"
    create_engine(f"sqlite+aiosqlite:///{database}")
    assert database.stat().st_mode & 0o777 == 0o600
    assert database.parent.stat().st_mode & 0o777 == 0o700


async def test_a_write_meeting_a_held_sqlite_lock_is_a_clear_503(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An edit while another transaction (an import's) holds SQLite's write lock past the busy
    timeout: nothing saved, and the answer says so and when to try again."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer")
    created = await client.post("/api/products", json={"title": "Held"}, headers=admin_headers)
    product_id = created.json()["id"]
    short = tuple(
        "PRAGMA busy_timeout=50" if p.startswith("PRAGMA busy_timeout") else p
        for p in db.SQLITE_PRAGMAS
    )
    monkeypatch.setattr(db, "SQLITE_PRAGMAS", short)
    engine: AsyncEngine = app.state.engine
    await engine.dispose()  # new connections: the short busy timeout
    holder = create_engine(database_url)
    async with holder.connect() as held:
        await held.exec_driver_sql("BEGIN IMMEDIATE")
        answer = await client.put(
            f"/api/products/{product_id}", json={"title": "Edited"}, headers=admin_headers
        )
        await held.rollback()
    await holder.dispose()
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "database_busy"
    assert answer.headers["Retry-After"] == "10"
    again = await client.get(f"/api/products/{product_id}", headers=admin_headers)
    assert again.json()["title"] == "Held"


def _postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's transactions and connections")


async def _in_a_transaction(session: AsyncSession) -> bool:
    """Whether two statements in a row run in one transaction (not each in its own)."""
    started = text("SELECT transaction_timestamp()")
    return bool(await session.scalar(started) == await session.scalar(started))


async def test_a_reading_session_opens_its_transaction_at_its_first_write(
    clean_database: str,
) -> None:
    """GET requests' sessions: reads outside a transaction; from the first write on, one
    transaction that the rollback undoes whole."""
    _postgres_only(clean_database)
    engine = create_engine(clean_database)
    sessionmaker = db.create_read_sessionmaker(engine)
    async with sessionmaker() as session:
        assert not await _in_a_transaction(session)  # no BEGIN before the reads
        await _insert(session, "first")
        await _insert(session, "second")
        assert await _in_a_transaction(session)
        await session.rollback()
    async with sessionmaker() as session:
        assert not await _in_a_transaction(session)
        await _insert(session, "kept")
        await session.commit()
    async with create_sessionmaker(engine)() as session:  # the same pooled connection, reset
        assert await _in_a_transaction(session)
    await engine.dispose()
    assert await _titles(clean_database) == ["kept"]


@pytest.mark.parametrize(
    "opening",
    [
        "SELECT id FROM product FOR UPDATE",
        "SELECT id FROM product FOR KEY SHARE",
        "SELECT pg_advisory_xact_lock(28)",
        "SELECT set_config('work_mem', '8MB', true)",
        "SET LOCAL work_mem = '8MB'",
    ],
)
async def test_a_read_that_holds_something_until_commit_opens_the_transaction(
    clean_database: str, opening: str
) -> None:
    _postgres_only(clean_database)
    engine = create_engine(clean_database)
    async with db.create_read_sessionmaker(engine)() as session:
        await session.execute(text(opening))
        assert await _in_a_transaction(session)
    await engine.dispose()


async def test_a_request_after_the_servers_connections_ended_succeeds(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clean_database: str,
) -> None:
    """What a server restart does to the pool: every pooled connection's backend is gone. The
    next requests, a read and a write, get live connections and succeed."""
    _postgres_only(clean_database)
    assert (await client.get("/api/products", headers=admin_headers)).status_code == 200
    engine = create_engine(clean_database)
    async with engine.connect() as other:
        ended = await other.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await engine.dispose()
    assert ended
    listed = await client.get("/api/products", headers=admin_headers)
    assert listed.status_code == 200, listed.text
    created = await client.post("/api/products", json={"title": "After"}, headers=admin_headers)
    assert created.status_code == 201, created.text


async def test_a_copy_in_a_reading_session_is_inside_its_transaction(clean_database: str) -> None:
    """A COPY reaches the driver itself, past the statement hook: it opens the transaction."""
    _postgres_only(clean_database)
    now = datetime.now(UTC)
    row = {
        "title": "copied",
        "handle": "copied",
        "status": "active",
        "version": 1,
        "description_html": "",
        "vendor": "",
        "product_type": "",
        "search_text": "",
        "total_inventory": 0,
        "open_conflicts": 0,
        "created_at": now,
        "updated_at": now,
    }
    engine = create_engine(clean_database)
    async with db.create_read_sessionmaker(engine)() as session:
        await session.execute(text("SELECT 1"))
        await copy_rows(session, Product.__table__, [row])
        assert await _in_a_transaction(session)
        await session.rollback()
    await engine.dispose()
    assert await _titles(clean_database) == []


async def test_the_apps_postgres_statements_never_plan_parallel_workers(
    clean_database: str,
) -> None:
    """A list page's index walk stops at its 50th match; under a Gather Merge each worker walks
    on alone. Even where parallel workers look free, the app's connections plan without them."""
    _postgres_only(clean_database)
    engine = create_engine(clean_database)
    async with engine.connect() as connection:  # rolled back: the table goes with it
        for statement in (
            "CREATE TABLE parallel_probe AS SELECT generate_series(1, 10000) AS n",
            "ANALYZE parallel_probe",
            "SET LOCAL parallel_setup_cost = 0",
            "SET LOCAL parallel_tuple_cost = 0",
            "SET LOCAL min_parallel_table_scan_size = 0",
        ):
            await connection.execute(text(statement))
        plan = "\n".join(
            await connection.scalars(text("EXPLAIN SELECT count(*) FROM parallel_probe"))
        )
    await engine.dispose()
    assert "Seq Scan on parallel_probe" in plan
    assert "Gather" not in plan, plan
