"""New rows written to PostgreSQL by binary COPY (`write_rows.write_new`'s PostgreSQL path).

A multi-row INSERT of a pull chunk's variants (~400 rows of 30 columns) is a statement of
~12,000 parameters that the server parses and plans anew for each row count, and an
executemany (tags, levels, audit entries) is a Bind/Execute per row; COPY sends the rows in
one binary stream that the server neither parses nor plans. The rows are the ones the INSERT
would write (`write_rows._Columns.row`), each value passed through its column type's bind
processor as a statement's parameters are (JSON text by the engine's serializer, and so on),
then encoded by the connection's own codecs. Ids a caller needs back are taken from the
table's sequence first (one round trip), so they are the ones the INSERT would have given.
Indexes, foreign keys and triggers (the search text's) work as for an INSERT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.kit.lazy_begin import begin_with_next_statement

COPY_FROM_ROWS = 32
"""Rows from which a table's new rows go by COPY: a COPY costs two round trips and its ids a
third (an INSERT one), so one product's create (`bench/create_bench.py`) was slower by COPY."""
_NEW_IDS = text(
    "SELECT nextval(sequence) FROM pg_get_serial_sequence(:table, 'id') AS sequence,"
    " generate_series(1, :count)"
)


async def new_ids(session: AsyncSession, table: Table, count: int) -> list[int]:
    """`count` ids from `table`'s id sequence, ascending (as a multi-row INSERT takes them)."""
    ids = await session.scalars(_NEW_IDS, {"table": table.name, "count": count})
    return sorted(int(new_id) for new_id in ids)


async def copy_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write `rows` (each naming the same columns) into `table` in one COPY, inside the
    session's transaction; a column they do not name takes its server default."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    names = tuple(rows[0])
    # What a statement's parameters go through (as `kit.sqlite_insert` binds SQLite's rows).
    processors = [(name, table.c[name].type._cached_bind_processor(dialect)) for name in names]
    records = [
        tuple(row[name] if process is None else process(row[name]) for name, process in processors)
        for row in rows
    ]
    raw = await connection.get_raw_connection()
    driver = cast(Any, raw.driver_connection)  # asyncpg.Connection
    if not driver.is_in_transaction():
        # SQLAlchemy's asyncpg adapter sends BEGIN with its first statement: send one, so the
        # COPY is part of the session's transaction (a reading request's too: kit/lazy_begin).
        await connection.run_sync(begin_with_next_statement)
        await session.execute(select(1))
    await driver.copy_records_to_table(table.name, records=records, columns=list(names))


__all__ = ["COPY_FROM_ROWS", "copy_rows", "new_ids"]
