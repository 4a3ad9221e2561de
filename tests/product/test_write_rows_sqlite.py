"""New products written through SQLite's driver (`kit.sqlite_insert`) store exactly what the
compiled SQLAlchemy statements stored: every column of every row, as SQLite holds it (its
storage class and value), compared between two copies of the migrated database."""

from __future__ import annotations

import random
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.models import Model
from product_dashboard.product import write_rows
from product_dashboard.sync.pull.create_set import create_set
from tests.sync.pull.test_set_based_differential import first_pull, generated

NOW = datetime(2026, 12, 6, 18, 30, 15, 123456, tzinfo=UTC)
# Stamped by clocks other than write_rows' (the audit entries', the link's, the primary location
# made on the way): compared by form only.
OTHER_CLOCKS = {
    ("audit_event", "at"),
    ("product", "synced_at"),
    ("location", "created_at"),
    ("location", "updated_at"),
}


async def _written(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    rng = random.Random(5)
    remotes = [*first_pull(), *(generated(i, rng) for i in range(40, 64))]
    try:
        async with sessions() as session, session.begin():
            created = await create_set(session, remotes)
        assert len(created.created) > 50
        tables: dict[str, list[tuple[Any, ...]]] = {}
        async with engine.connect() as connection:
            for table in Model.metadata.sorted_tables:
                names = [column.name for column in table.columns]
                kinds = ", ".join(f'typeof("{name}")' for name in names)
                values = ", ".join(f'"{name}"' for name in names)
                result = await connection.exec_driver_sql(
                    f'SELECT {values}, {kinds} FROM "{table.name}" ORDER BY rowid'
                )
                tables[table.name] = [
                    tuple(
                        re.sub(r"\d", "0", value)
                        if (table.name, name) in OTHER_CLOCKS and isinstance(value, str)
                        else value
                        for name, value in zip([*names, *names], row, strict=True)
                    )
                    for row in result
                ]
        return tables
    finally:
        await engine.dispose()


async def test_the_driver_path_stores_what_the_compiled_statements_stored(
    _sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write_rows, "utcnow", lambda: NOW)
    copies = []
    for name in ("compiled.db", "driver.db"):
        shutil.copyfile(_sqlite_template, tmp_path / name)
        copies.append(f"sqlite+aiosqlite:///{tmp_path / name}")

    with monkeypatch.context() as compiled:
        compiled.setattr(write_rows, "_on_sqlite", lambda session: False)
        expected = await _written(copies[0])
    got = await _written(copies[1])

    assert sum(len(rows) for rows in expected.values()) > 2000
    assert set(got) == set(expected)
    for table, rows in expected.items():
        names = [c.name for c in Model.metadata.tables[table].columns] * 2
        for old, new in zip(rows, got[table], strict=True):
            differing = {n: (o, v) for n, o, v in zip(names, old, new, strict=True) if o != v}
            assert differing == {}, table
        assert got[table] == rows, table
