"""The same price batches and undos on SQLite and PostgreSQL leave the same rows, row for row:
products, variants, the staged rows undo reads, and the audit entries (detailed and compact).

PostgreSQL and SQLite build the batch's SQL apart where their dialects differ (JSON, money text,
locking): this holds the outcomes equal, whatever either path is tuned to."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.batch import engine as batch_engine
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.models import (
    AuditEvent,
    AuditSource,
    Product,
    ProductBatchItem,
    ProductBatchVariant,
    ProductVariant,
)
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductCreate

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

USER = Actor(source=AuditSource.ui, email="seed@example.com")
ACTOR = Actor(source=AuditSource.batch, email="batch@example.com")
# Awkward prices: none, a cent, an ending already there, large; compare-at above, below, none.
PRODUCTS: list[tuple[str, list[tuple[str, str | None]]]] = [
    ("Thé vert 🍵", [("0.00", None), ("0.01", "0.50"), ("19.99", "25.00")]),
    ("ÇA — Ünïcode", [("10.00", None)]),
    ("Big", [("1234567.89", "1234567.90"), ("999.95", None)]),
    ("Case", [("5.05", "4.00"), ("5.49", None), ("5.50", None)]),
    ("Same price", [("10.00", "12.00"), ("10.00", None)]),
]
SALE = {"ending": ".99"}
BATCHES: list[dict[str, Any]] = [
    {"operation": "increase", "percent": "5", "rounding": SALE, "compare_at": "from_old_price"},
    {"operation": "set", "amount": "10.00", "compare_at": "clear"},
    {
        "operation": "decrease",
        "amount": "2.50",
        "floor": "1.00",
        "rounding": {"ending": ".95", "direction": "up"},
    },
    {
        "operation": "decrease",
        "percent": "33.33",
        "rounding": {"ending": ".00", "direction": "down"},
    },
]

UNDONE = (1, 2)  # undone right after they ran (an undo moves the versions a later undo checks)


async def _seed(session: AsyncSession) -> None:
    for title, variants in PRODUCTS:
        data = ProductCreate.model_validate(
            {
                "title": title,
                "options": [{"name": "Size", "values": [f"S{i}" for i in range(len(variants))]}],
                "variants": [
                    {"price": price, "compare_at_price": compare_at, "option_values": [f"S{i}"]}
                    for i, (price, compare_at) in enumerate(variants)
                ],
            }
        )
        await product_service.create(session, data, USER)


def _json(value: Any) -> Any:
    """A JSON column's value, its variant lists in id order (json_agg's order is not fixed)."""
    value = json.loads(value) if isinstance(value, str) else value
    if isinstance(value, dict) and isinstance(value.get("variants"), list):
        return {**value, "variants": sorted(value["variants"], key=lambda v: v["id"])}
    return value


async def _rows(session: AsyncSession, batch_ids: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the batches write, batch ids as their order; times left out (each run's own)."""
    order = {batch_id: n for n, batch_id in enumerate(batch_ids)}
    products = await session.execute(
        select(
            Product.id, Product.version, Product.price_min_cents, Product.price_max_cents
        ).order_by(Product.id)
    )
    variants = await session.execute(
        select(
            ProductVariant.id,
            ProductVariant.product_id,
            ProductVariant.price_cents,
            ProductVariant.compare_at_price_cents,
        ).order_by(ProductVariant.id)
    )
    items = await session.execute(select(*ProductBatchItem.__table__.c))
    staged = await session.execute(select(*ProductBatchVariant.__table__.c))
    audit = await session.execute(
        select(
            AuditEvent.actor_email,
            AuditEvent.source,
            AuditEvent.entity_type,
            AuditEvent.entity_id,
            AuditEvent.action,
            AuditEvent.before,
            AuditEvent.after,
            AuditEvent.batch_id,
        )
        .where(AuditEvent.batch_id.is_not(None), AuditEvent.entity_type == "product")
        .order_by(AuditEvent.id)
    )
    return {
        "product": [tuple(row) for row in products],
        "variant": [tuple(row) for row in variants],
        "batch_item": sorted((order[row[0]], *row[1:]) for row in items),
        "batch_variant": sorted((order[row[0]], *row[1:]) for row in staged),
        "audit": sorted(
            (order[row[7]], row[3], *row[:3], row[4], repr(_json(row[5])), repr(_json(row[6])))
            for row in audit
        ),
    }


async def _run(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            await _seed(session)
        batch_ids: list[str] = []
        for n, pricing in enumerate(BATCHES):
            async with sessions() as session:
                params = {"pricing": pricing}
                batch = batch_engine.new_batch("pricing", params, {"filter": {}}, ACTOR)
                session.add(batch)
                await batch_engine.execute(session, batch)
                await session.commit()
                batch_ids.append(batch.id)
            if n in UNDONE:
                async with sessions() as session:
                    batch = await batch_engine.get_batch(session, batch.id)
                    await batch_engine.undo(session, batch, ACTOR)
                    await session.commit()
        async with sessions() as session:
            return await _rows(session, batch_ids)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("detailed", [True, False], ids=["detailed-audit", "compact-audit"])
async def test_price_batches_and_undo_leave_the_same_rows_on_both_databases(
    clean_database: str,
    _sqlite_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    detailed: bool,
) -> None:
    if clean_database.startswith("sqlite"):
        pytest.skip("compares SQLite with PostgreSQL: runs as the postgres case")
    if not detailed:  # the compact audit rows of a large batch, on a few products
        monkeypatch.setattr(batch_engine, "AUDIT_DETAIL_LIMIT", 0)
    sqlite_path = tmp_path / "same.db"
    shutil.copyfile(_sqlite_template, sqlite_path)

    on_sqlite = await _run(f"sqlite+aiosqlite:///{sqlite_path}")
    on_postgres = await _run(clean_database)

    assert on_sqlite["variant"] and on_sqlite["batch_variant"] and on_sqlite["audit"]
    for table, rows in on_sqlite.items():
        assert on_postgres[table] == rows, table
