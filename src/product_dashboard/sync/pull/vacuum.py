"""After a full pull that wrote many products, PostgreSQL's catalog tables are vacuumed and
analysed. Right after a large fill the visibility map is empty, so index-only scans visit the
heap for every row until autovacuum comes by (100k products: the plain list's p95 37 ms before,
8.5 ms after). SQLite keeps neither a visibility map nor (here) statistics: nothing to do.

VACUUM cannot run in a transaction: it runs on a connection of its own in autocommit. It takes
no lock that blocks reads or writes, and SKIP_LOCKED passes over a table another maintenance
command holds rather than wait. A failure is logged, never the pull's: the data is written.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.db import SessionFactory
from product_dashboard.kit.log_fields import log_fields
from product_dashboard.models import (
    InventoryLevel,
    Product,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductTag,
    ProductVariant,
)

logger = logging.getLogger(__name__)

VACUUM_AFTER = 5_000
"""Products a full pull created or changed from which it vacuums (autovacuum's own threshold
is a fifth of a table, and it comes up to a minute later)."""
CATALOG_TABLES = tuple(
    model.__tablename__
    for model in (
        Product,
        ProductVariant,
        ProductOption,
        InventoryLevel,
        ProductTag,
        ProductImage,
        ProductMetafield,
    )
)


async def vacuum_after_pull(
    sessions: SessionFactory, written: int, *, job: str | None = None, after: int = VACUUM_AFTER
) -> bool:
    """VACUUM (ANALYZE) the catalog's tables when `written` products reach `after` on
    PostgreSQL; whether it ran."""
    if written < after:
        return False
    async with sessions() as session:
        engine = session.bind
    if not isinstance(engine, AsyncEngine) or engine.dialect.name != "postgresql":
        return False
    started = time.perf_counter()
    try:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(
                text(f"VACUUM (ANALYZE, SKIP_LOCKED) {', '.join(CATALOG_TABLES)}")
            )
    except (SQLAlchemyError, OSError) as exc:
        logger.warning(
            "pull: vacuuming the catalog failed",
            extra=log_fields(job=job, written=written, reason=str(exc)),
        )
        return False
    logger.info(
        "pull: catalog vacuumed and analysed",
        extra=log_fields(job=job, written=written, seconds=round(time.perf_counter() - started, 2)),
    )
    return True


__all__ = ["CATALOG_TABLES", "VACUUM_AFTER", "vacuum_after_pull"]
