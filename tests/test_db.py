"""Transactions behave the same on SQLite and PostgreSQL, savepoints included."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

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
