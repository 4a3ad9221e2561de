"""Bulk-load a generated demo catalog: Core executemany in chunks, one transaction."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from product_dashboard.demo.generator import (
    OPTION_COLUMNS,
    PRODUCT_COLUMNS,
    TAG_COLUMNS,
    VARIANT_COLUMNS,
    DemoCatalog,
    IdStart,
    generate_catalog,
)
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Model
from product_dashboard.product import search_index

DEFAULT_CHUNK_SIZE = 2000
_TABLES = ("product", "product_option", "product_variant", "product_tag", "inventory_level")
LEVEL_COLUMNS = ("variant_id", "location_id", "available")
_ANALYZE = {
    "sqlite": "ANALYZE",
    "postgresql": "ANALYZE " + ", ".join(f'"{name}"' for name in _TABLES),
}


@dataclass(frozen=True, slots=True)
class SeedReport:
    products: int
    options: int
    variants: int
    tags: int
    first_product_id: int
    seconds: float


def _table(name: str) -> Table:
    return Model.metadata.tables[name]


async def _next_ids(connection: AsyncConnection) -> IdStart:
    async def next_id(name: str) -> int:
        table = _table(name)
        current = await connection.scalar(select(func.max(table.c.id)))
        return int(current or 0) + 1

    return IdStart(
        product=await next_id("product"),
        option=await next_id("product_option"),
        variant=await next_id("product_variant"),
        tag=await next_id("product_tag"),
    )


async def _taken(connection: AsyncConnection, column: str, table: str) -> set[str]:
    rows = await connection.execute(
        select(_table(table).c[column]).where(_table(table).c[column].is_not(None))
    )
    return {value for (value,) in rows}


# SQLite: FTS5's per-row insert trigger makes a bulk load ~5x slower than indexing the new rows
# with one INSERT ... SELECT afterwards, so the trigger is dropped for the load and put back.
_FTS_INSERT_TRIGGER = "product_fts_ai"
_CREATE_FTS_INSERT_TRIGGER = next(s for s in search_index.SQLITE_DDL if _FTS_INSERT_TRIGGER in s)
_DROP_FTS_INSERT_TRIGGER = f"DROP TRIGGER {_FTS_INSERT_TRIGGER}"
_INDEX_NEW_ROWS = (
    "INSERT INTO product_fts(rowid, search_text) "
    "SELECT id, search_text FROM product WHERE id >= :first_id"
)


async def _has_fts_insert_trigger(connection: AsyncConnection) -> bool:
    found = await connection.scalar(
        text("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": _FTS_INSERT_TRIGGER},
    )
    return found is not None


def _insert_sql(connection: Connection, table: str, columns: Sequence[str]) -> str:
    quote = connection.dialect.identifier_preparer.quote
    if connection.dialect.paramstyle == "numeric_dollar":
        marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    else:
        marks = ", ".join("?" for _ in columns)
    names = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"


def _sqlite_datetime(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores: naive UTC with microseconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _insert_chunk(connection: Connection, chunk: DemoCatalog, location_id: int) -> None:
    """Raw executemany: SQLAlchemy's per-row parameter processing would double the load time."""
    products: list[tuple[Any, ...]] = chunk.products
    if connection.dialect.name == "sqlite":
        products = [
            (*row[:-2], _sqlite_datetime(row[-2]), _sqlite_datetime(row[-1])) for row in products
        ]
    options = [(*row[:-1], json.dumps(row[-1])) for row in chunk.options]
    for table, columns, rows in (
        ("product", PRODUCT_COLUMNS, products),
        ("product_option", OPTION_COLUMNS, options),
        ("product_variant", VARIANT_COLUMNS, chunk.variants),
        ("product_tag", TAG_COLUMNS, chunk.tags),
    ):
        if rows:
            connection.exec_driver_sql(_insert_sql(connection, table, columns), rows)
    # Each variant's stock is its quantity at the primary location.
    quantity = VARIANT_COLUMNS.index("inventory_quantity")
    levels = [(row[0], location_id, row[quantity]) for row in chunk.variants]
    if levels:
        connection.exec_driver_sql(
            _insert_sql(connection, "inventory_level", LEVEL_COLUMNS), levels
        )


async def seed_demo_catalog(
    engine: AsyncEngine,
    count: int,
    *,
    seed: int = 0,
    now: datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Add `count` demo products (after any already there, with handles and SKUs that don't clash).

    `on_progress` is called with the number of products inserted so far after each chunk.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    started = time.perf_counter()
    totals = {"products": 0, "options": 0, "variants": 0, "tags": 0}
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as connection:
        if postgres:
            # Ids are precomputed below: keep concurrent writers out until we commit.
            tables = ", ".join(f'"{name}"' for name in _TABLES)
            await connection.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
        ids = await _next_ids(connection)
        location_id = await primary_location_id(connection)
        first_product_id = ids.product
        has_products = ids.product > 1
        handles = await _taken(connection, "handle", "product") if has_products else set()
        skus = await _taken(connection, "sku", "product_variant") if has_products else set()
        defer_fts = engine.dialect.name == "sqlite" and await _has_fts_insert_trigger(connection)
        if defer_fts:
            await connection.execute(text(_DROP_FTS_INSERT_TRIGGER))

        chunks = generate_catalog(
            count,
            seed=seed,
            now=now or utcnow(),
            ids=ids,
            chunk_size=chunk_size,
            taken_handles=handles,
            taken_skus=skus,
        )
        # Generate the next chunk in a thread while the database stores this one: the drivers
        # release the GIL while the database works, so the two overlap on a multi-core machine.
        chunk = await asyncio.to_thread(next, chunks, None)
        while chunk is not None:
            upcoming = asyncio.ensure_future(asyncio.to_thread(next, chunks, None))
            try:
                await connection.run_sync(_insert_chunk, chunk, location_id)
            except BaseException:
                await asyncio.gather(upcoming, return_exceptions=True)
                raise
            totals["products"] += len(chunk.products)
            totals["options"] += len(chunk.options)
            totals["variants"] += len(chunk.variants)
            totals["tags"] += len(chunk.tags)
            if on_progress is not None:
                on_progress(totals["products"])
            chunk = await upcoming

        if defer_fts:
            await connection.execute(text(_INDEX_NEW_ROWS), {"first_id": first_product_id})
            await connection.execute(text(_CREATE_FTS_INSERT_TRIGGER))
        # Fresh planner statistics: without them SQLite picks the useless `deleted_at` index
        # over `updated_at`/`title` for sorted pages of a big catalog (20x slower lists).
        analyze = _ANALYZE.get(engine.dialect.name)
        if count and analyze:
            await connection.execute(text(analyze))
        if postgres:
            for name in _TABLES:
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f'(SELECT COALESCE(MAX(id), 1) FROM "{name}"))'
                    )
                )
    return SeedReport(
        **totals, first_product_id=first_product_id, seconds=time.perf_counter() - started
    )
