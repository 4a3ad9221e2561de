"""Statements planned for their parameters at each run (PostgreSQL; nothing on SQLite).

A catalog filled in one go (a pull into an empty dashboard) prepares its look-ups while `product`
is a few pages: after five runs the server keeps a generic plan costed for that size, a
sequential scan, until the table is next analysed, and each look-up then scans the whole grown
table (20-90 ms a look-up at 20k products, seen with auto_explain; the webhook drain's 64-product
load 36 ms). Planned for their parameters each time, they use the indexes. Only around such
look-ups: the setting would also replan the foreign-key checks and the search-text trigger at
every row (measured: +0.12 ms of server CPU per pulled product).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")
_DEFAULT_PLANS = text("SET LOCAL plan_cache_mode = DEFAULT")


def _postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@asynccontextmanager
async def planned_for_its_parameters(session: AsyncSession) -> AsyncIterator[None]:
    """The statements inside planned for their parameters at each run (PostgreSQL)."""
    if not _postgresql(session):
        yield
        return
    await session.execute(_CUSTOM_PLANS)
    yield
    await session.execute(_DEFAULT_PLANS)


__all__ = ["planned_for_its_parameters"]
