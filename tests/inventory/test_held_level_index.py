"""A transaction linking items finds the few held level events by their partial index, not by
reading every level event kept (each pull chunk with new products, each `products/create`)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.inventory.inbound import held_level_events
from tests.inbound.test_batch import T0


@pytest.mark.parametrize("received_since", [T0, None], ids=["since-a-read", "all"])
async def test_held_level_events_are_read_by_their_partial_index(
    engine: AsyncEngine, received_since: datetime | None
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan follows from the SQL; PostgreSQL's from statistics")
    # As run: the topic and the time bound, the index's condition written out.
    compiled = held_level_events(received_since).compile(
        engine.sync_engine, compile_kwargs={"render_postcompile": True}
    )
    parameters = tuple(compiled.params[name] for name in compiled.positiontup or ())
    async with engine.connect() as connection:
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters)
        plan = " / ".join(str(tuple(row)[3]) for row in rows)
    assert "USING INDEX ix_webhook_event_held" in plan, plan
