"""The SQLite driver adapter: one trip to aiosqlite's thread per statement, DB-API kept."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.db import create_engine, create_sessionmaker

pytestmark = pytest.mark.integration


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the functions sent to aiosqlite's thread."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield sent


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'onehop.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def _names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT name FROM item ORDER BY id"))).scalars())


async def test_a_read_only_session_makes_one_trip_per_statement(
    engine: AsyncEngine, trips: list[str]
) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        await session.execute(text("SELECT 1"))  # warm: the pool connects on first use
        await session.commit()
    trips.clear()
    async with sessionmaker() as session:
        assert (await session.execute(text("SELECT 40 + 2"))).scalar_one() == 42
        assert (await session.execute(text("SELECT count(*) FROM item"))).scalar_one() == 0
        await session.commit()  # nothing to commit: sqlite3 has no transaction open
    assert trips == ["_run", "_run"]  # the stock adapter makes 12: cursor, execute, fetch, close…


async def test_writes_commit_and_roll_back(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        inserted = await session.execute(text("INSERT INTO item (name) VALUES ('kept')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        await session.commit()
    async with sessionmaker() as session:
        await session.execute(text("INSERT INTO item (name) VALUES ('undone')"))
        await session.rollback()
    assert await _names(engine) == ["kept"]


async def test_executemany_rowcount_and_rows(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO item (name) VALUES (:name)"), [{"name": n} for n in "abc"]
        )
        updated = await conn.execute(text("UPDATE item SET name = upper(name) WHERE id > 1"))
        assert updated.rowcount == 2
        rows = (await conn.execute(text("SELECT id, name FROM item ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [(1, "a"), (2, "B"), (3, "C")]


async def test_driver_errors_surface_as_sqlalchemy_errors(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO item (name) VALUES ('one')"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO item (name) VALUES ('two')"))
            await conn.execute(text("INSERT INTO item (name) VALUES ('one')"))
    with pytest.raises(OperationalError):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT nothing FROM nowhere"))
    assert await _names(engine) == ["one"]  # the failed transaction left nothing behind


async def test_streaming_keeps_a_server_side_cursor(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO item (name) VALUES (:name)"), [{"name": f"n{i}"} for i in range(250)]
        )
    async with engine.connect() as conn:
        result = await conn.stream(text("SELECT name FROM item ORDER BY id"))
        names = [row[0] async for row in result]
    assert names == [f"n{i}" for i in range(250)]
