"""A pull's transactions on PostgreSQL (`sync.pull.apply.retrying`): committed without waiting
for their WAL's fsync, their look-ups by key planned for their parameters and nothing else,
and neither setting outliving the transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.db import committing
from product_dashboard.kit.custom_plans import planned_for_its_parameters
from product_dashboard.sync.pull.apply import retrying

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def _setting(session: AsyncSession, name: str) -> str:
    return str(await session.scalar(text(f"SHOW {name}")))


async def test_a_pull_transaction_commits_early_and_plans_only_its_look_ups_anew(
    engine: AsyncEngine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's settings: SQLite has none of them")
    seen: dict[str, str] = {}

    async def work(session: AsyncSession) -> None:
        seen["commit"] = await _setting(session, "synchronous_commit")
        seen["before"] = await _setting(session, "plan_cache_mode")
        async with planned_for_its_parameters(session):
            seen["look-up"] = await _setting(session, "plan_cache_mode")
        seen["after"] = await _setting(session, "plan_cache_mode")

    # One connection, its own default "on" (the tests' cluster runs with it off), so the next
    # transaction shows whether the pull's setting outlived its own.
    async with engine.connect() as connection:
        await connection.execute(text("SET synchronous_commit = on"))
        await connection.commit()
        sessions = committing(async_sessionmaker(connection, expire_on_commit=False))
        await retrying(sessions, work)
        async with sessions() as session:
            seen["another transaction"] = await _setting(session, "synchronous_commit")

    assert seen == {
        "commit": "off",
        "before": "auto",
        "look-up": "force_custom_plan",
        "after": "auto",
        "another transaction": "on",
    }
