"""The placeholder primary location is made once, even by transactions that need it at once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.models import Location

pytestmark = pytest.mark.postgres


async def test_transactions_needing_a_primary_at_once_share_one_placeholder(
    engine: AsyncEngine, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite writes one transaction at a time: the later one is retried")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    first_made = asyncio.Event()

    async def first() -> int:
        async with sessions() as session, session.begin():
            made = await primary_location_id(session)
            first_made.set()
            await asyncio.sleep(0.3)  # still uncommitted while the second one asks
            return made

    async def second() -> int:
        await first_made.wait()
        session: AsyncSession
        async with sessions() as session, session.begin():
            return await primary_location_id(session)

    ids = await asyncio.gather(first(), second())
    assert ids[0] == ids[1]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Location)) == 1
