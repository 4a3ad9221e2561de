"""Transactions behave the same on SQLite and PostgreSQL, savepoints included."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from product_dashboard import db
from product_dashboard.db import create_engine, create_sessionmaker

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
