"""Claiming webhook events: a claim takes only the rows its own UPDATE changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.db import create_sessionmaker
from product_dashboard.inbound import repository as repository_module
from product_dashboard.inbound.repository import WebhookEventRepository
from product_dashboard.models import WebhookEvent

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
LEASE = timedelta(seconds=60)


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[Sessions]:
    yield create_sessionmaker(engine)


class _ClaimedBetween:
    """A session that lets `other` run before its second statement: another process's claim
    landing between this claim's choice of rows and its UPDATE."""

    def __init__(self, session: AsyncSession, other: Any) -> None:
        self._session = session
        self._other = other
        self._statements = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        await self._before_statement()
        return await self._session.execute(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        await self._before_statement()
        return await self._session.scalars(*args, **kwargs)

    async def _before_statement(self) -> None:
        self._statements += 1
        if self._statements == 2:
            await self._other()


async def test_two_claims_in_one_clock_tick_never_share_an_event(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes choose the same due event in the same clock tick (so their leases end at
    the same instant); the first to UPDATE it owns it, and the other claims nothing."""
    async with sessions() as session, session.begin():
        session.add(WebhookEvent(webhook_id="w-1", topic="products/update", body="{}"))
    tick = datetime.now(UTC) + timedelta(minutes=1)
    monkeypatch.setattr(repository_module, "utcnow", lambda: tick)

    first: list[WebhookEvent] = []

    async def first_claim() -> None:
        async with sessions() as session, session.begin():
            first.extend(await WebhookEventRepository(session).claim(10, LEASE))

    async with sessions() as session, session.begin():
        between = _ClaimedBetween(session, first_claim)
        second = await WebhookEventRepository(between).claim(10, LEASE)  # type: ignore[arg-type]

    assert [event.webhook_id for event in first] == ["w-1"]
    assert second == []
