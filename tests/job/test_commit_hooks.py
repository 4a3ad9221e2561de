from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job.commit_hooks import on_commit

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def test_callbacks_run_once_after_the_outer_commit_only(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    calls: list[str] = []
    async with sessionmaker() as session:
        await session.execute(text("SELECT 1"))
        on_commit(session, lambda: calls.append("outer"))
        async with session.begin_nested():
            on_commit(session, lambda: calls.append("inner"))
        assert calls == []  # releasing a savepoint is not a commit
        await session.commit()
        assert calls == ["outer", "inner"]

        await session.execute(text("SELECT 1"))
        on_commit(session, lambda: calls.append("rolled back"))
        await session.rollback()
        await session.execute(text("SELECT 1"))
        await session.commit()
    assert calls == ["outer", "inner"]


async def test_a_failing_callback_does_not_hide_the_commit_or_the_others(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    calls: list[str] = []

    def boom() -> None:
        raise RuntimeError("side effect failed")

    async with sessionmaker() as session:
        await session.execute(text("SELECT 1"))
        on_commit(session, boom)
        on_commit(session, lambda: calls.append("after"))
        await session.commit()
    assert calls == ["after"]
