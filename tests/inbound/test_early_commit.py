"""The webhook processor's transactions on PostgreSQL commit early (`kit.early_commit`): each
that marks an event (its claim, its result, a failure) sets it for itself, and the setting does
not outlive the transaction."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.inbound.sample import sample_product_payload
from product_dashboard.models import WebhookEvent, WebhookState
from product_dashboard.sync.pull.create_many import create_many

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

EARLY = "SET LOCAL synchronous_commit = off"


async def test_every_transaction_marking_an_event_commits_early_and_only_itself(
    engine: AsyncEngine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's setting: SQLite has none")
    payload = sample_product_payload()
    deliveries = [
        ("products/update", payload),  # together (inbound.batch)
        ("products/delete", {"id": 987654321}),  # alone
    ]
    early = False
    marked_early: list[bool] = []

    def begin(_connection: Any) -> None:
        nonlocal early
        early = False

    def before_cursor_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal early
        if statement.startswith(EARLY):
            early = True
        elif statement.startswith("UPDATE webhook_event"):
            marked_early.append(early)

    # One connection, its own default "on" (the tests' cluster runs with it off), so the next
    # transaction shows whether the processor's setting outlived its own.
    async with engine.connect() as connection:
        await connection.execute(text("SET synchronous_commit = on"))
        await connection.commit()
        sessions = async_sessionmaker(connection, expire_on_commit=False)
        async with sessions() as session, session.begin():
            for k, (topic, body) in enumerate(deliveries):
                session.add(
                    WebhookEvent(
                        webhook_id=f"early-{k}",
                        topic=topic,
                        body=json.dumps(body),
                        resource_id=f"gid://shopify/Product/{body['id']}",
                    )
                )
        sync_connection = connection.sync_connection
        assert sync_connection is not None
        event.listen(sync_connection, "begin", begin)
        event.listen(sync_connection, "before_cursor_execute", before_cursor_execute)
        processor = WebhookProcessor(sessions, None, create_many=create_many)
        while await processor.run_once():
            pass
        event.remove(sync_connection, "before_cursor_execute", before_cursor_execute)
        event.remove(sync_connection, "begin", begin)
        async with sessions() as session:
            states = list(await session.scalars(select(WebhookEvent.state)))
            after: str = await session.scalar(text("SHOW synchronous_commit"))

    assert states == [WebhookState.processed.value] * 2
    # The claim, the batch's marks, the deletion's mark.
    assert marked_early == [True, True, True]
    assert after == "on"
