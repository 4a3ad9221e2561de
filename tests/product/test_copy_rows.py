"""PostgreSQL takes new products' rows by COPY (`product.copy_rows`): the rows are the ones the
INSERT path writes, ids and JSON text included.

The set-based differential test's two pulls (generated products with up to 120 variants, media,
metafields, quantities, Unicode, refusals, local edits, conflicts) run twice from the same
empty catalog and sequences: once with every new row INSERTed, as on SQLite, once by COPY
(however few a table's rows).
Every column of every table the pull writes is compared as the database holds it (JSON as its
stored text); only clock times are compared by whether they are set.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import JSON, Text, cast, select
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.models import (
    AuditEvent,
    InventoryLevel,
    Product,
    ProductConflict,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductTag,
    ProductVariant,
)
from product_dashboard.product import copy_rows, write_rows
from tests.sync.pull.test_set_based_differential import CLOCK_COLUMNS, _run

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

TABLES = (
    Product,
    ProductImage,
    ProductVariant,
    ProductOption,
    ProductTag,
    ProductMetafield,
    InventoryLevel,
    AuditEvent,
    ProductConflict,
)


async def _stored(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows by id, as stored: JSON columns as their text."""
    stored: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as connection:
        for model in TABLES:
            table = model.__table__
            columns = [
                cast(c, Text) if isinstance(c.type, JSON) else c
                for c in table.c
                if c.name not in CLOCK_COLUMNS
            ]
            clocks = [c.isnot(None) for c in table.c if c.name in CLOCK_COLUMNS]
            rows = await connection.execute(select(*columns, *clocks).order_by(table.c.id))
            stored[table.name] = [tuple(row) for row in rows]
    return stored


async def test_copied_rows_are_the_inserted_rows(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's: SQLite's new rows are always INSERTed")
    with monkeypatch.context() as inserting:
        inserting.setattr(write_rows, "_copies", lambda session, rows: False)
        _, inserted_outcomes = await _run(engine, set_based=True)
        inserted = await _stored(engine)
    monkeypatch.setattr(copy_rows, "COPY_FROM_ROWS", 1)  # every table's rows, however few
    _, copied_outcomes = await _run(engine, set_based=True)
    copied = await _stored(engine)

    assert copied_outcomes == inserted_outcomes
    assert inserted["product"] and inserted["product_metafield"] and inserted["audit_event"]
    for table, rows in inserted.items():
        assert len(copied[table]) == len(rows), table
        for inserted_row, copied_row in zip(rows, copied[table], strict=True):
            assert copied_row == inserted_row, table
