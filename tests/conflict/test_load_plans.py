"""`conflict.apply.load_products` on PostgreSQL: its look-up and eager loads planned for their
parameters (`kit.custom_plans`), so a catalog filled in one go and not yet analysed is not read
by a cached generic plan, a sequential scan (36 ms a 64-product load at 20k products, seen)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.conflict.apply import load_products
from product_dashboard.db import create_sessionmaker

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def test_a_load_of_known_products_is_planned_for_its_ids(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan cache: SQLite plans every statement anew")
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(" ".join(str(args[2]).split())[:60])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await load_products(session, ["gid://shopify/Product/1"])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)

    loads = [k for k, s in enumerate(statements) if s.startswith("SELECT product.id")]
    assert loads, statements
    custom = statements.index("SET LOCAL plan_cache_mode = force_custom_plan")
    default = statements.index("SET LOCAL plan_cache_mode = DEFAULT")
    assert custom < loads[0] and loads[-1] < default, statements
