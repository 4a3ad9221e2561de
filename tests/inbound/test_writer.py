"""The group-commit writer on a real database: every delivery stored once, answered truthfully."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.inbound import writer as writer_module
from product_dashboard.inbound.metrics import ReceiverMetrics
from product_dashboard.inbound.write_lock import PriorityWriteLock
from product_dashboard.inbound.writer import EventWriter
from product_dashboard.models import WebhookEvent
from tests.inbound.harness import event_row

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
async def writer(engine: AsyncEngine) -> AsyncIterator[EventWriter]:
    lock = PriorityWriteLock() if engine.dialect.name == "sqlite" else None
    writer = EventWriter(engine, lock, ReceiverMetrics())
    await writer.warm_up()
    writer.start()
    yield writer
    await writer.close()


async def _stored(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(WebhookEvent.webhook_id).order_by(WebhookEvent.id))
        return [webhook_id for (webhook_id,) in rows]


async def test_concurrent_deliveries_are_each_stored_once_and_repeats_say_so(
    writer: EventWriter, engine: AsyncEngine
) -> None:
    ids = [f"w-{n}" for n in range(60)]
    # Every id three times at once: within one batch and across concurrent batches.
    answers = await asyncio.gather(*(writer.store(event_row(i)) for i in ids * 3))
    new = [webhook_id for webhook_id, fresh in zip(ids * 3, answers, strict=True) if fresh]
    assert sorted(new) == sorted(ids)
    assert sorted(await _stored(engine)) == sorted(ids)
    again = await writer.store(event_row("w-7"))
    assert again is False
    assert writer.metrics is not None
    batches = writer.metrics.phases()["batch_size"]["samples"]
    assert isinstance(batches, int) and batches >= 2


async def test_a_failed_write_is_retried_on_a_fresh_connection(
    writer: EventWriter, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = writer_module.insert_new_events
    calls = 0

    async def flaky(connection: Any, rows: list[dict[str, Any]]) -> set[str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionResetError("connection dropped")
        return await real(connection, rows)

    monkeypatch.setattr(writer_module, "insert_new_events", flaky)
    assert await writer.store(event_row("retried")) is True
    assert calls == 2
    assert await _stored(engine) == ["retried"]


async def test_a_write_failing_twice_fails_the_deliveries_and_stores_nothing(
    writer: EventWriter, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(connection: Any, rows: list[dict[str, Any]]) -> set[str]:
        raise ConnectionResetError("database gone")

    monkeypatch.setattr(writer_module, "insert_new_events", broken)
    with pytest.raises(ConnectionResetError):
        await writer.store(event_row("lost"))
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(WebhookEvent)) == 0
