"""Bulk push over the shop's five bulk slots: side by side, never a sixth; a stop with operations
in flight, and the resume that collects them without losing or repeating a product."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.shopify.bulk import MAX_BULK_OPERATIONS
from product_dashboard.sync.push.bulk import BulkInFlight, BulkStatus
from product_dashboard.sync.push.engine import PushConfig, PushHooks
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from tests.fixtures.waiting import wait_until
from tests.sync.conftest import (
    Emulator,
    bump_versions,
    dialect_of,
    local_products,
    make_client,
    push,
    seed,
    store_bulk_mutations,
)
from tests.sync.test_push_resilience import assert_consistent

pytestmark = pytest.mark.integration

# Each operation waits this long before its first line (a start asked, then the push stopped).
STARTUP = {"bulk_rate": 2000.0, "bulk_startup_seconds": 1.0}


class _StartWatch:
    """Counts bulkOperationRunMutation requests and the ones refused for want of a slot."""

    def __init__(self) -> None:
        self.started = 0
        self.refused = 0

    async def __call__(self, response: httpx.Response) -> None:
        request = response.request
        if not request.url.path.endswith("graphql.json"):
            return  # a staged upload or a result download
        if b"bulkOperationRunMutation" not in request.content:
            return
        self.started += 1
        body = orjson.loads(await response.aread())
        errors = (body.get("data") or {}).get("bulkOperationRunMutation", {}).get("userErrors")
        if any(error.get("code") == "LIMIT_REACHED" for error in errors or []):
            self.refused += 1


class _Overlap(PushHooks):
    """The most bulk operations seen running at once (started and not yet final)."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.most = 0

    async def on_bulk_status(self, status: BulkStatus) -> None:
        if status.done:
            self.running.discard(status.id)
        else:
            self.running.add(status.id)
        self.most = max(self.most, len(self.running))


async def test_bulk_push_runs_five_operations_at_once_and_never_a_sixth(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, 53)
    # Held: none can finish before all five are started, however slowly a loaded machine
    # starts them, so "five at once" does not hang on timing.
    emulator.knob("config", {"bulk_rate": 2000.0, "bulk_startup_seconds": 0.0, "bulk_hold": True})
    earlier = store_bulk_mutations(emulator)
    watch, overlap = _StartWatch(), _Overlap()

    async def five_side_by_side() -> bool:
        """The store's own record: five operations of this push started and none final; and
        the push has seen each of them running."""
        waiting = [
            op for op in store_bulk_mutations(emulator, earlier) if op["status"] == "CREATED"
        ]
        return len(waiting) == MAX_BULK_OPERATIONS and len(overlap.running) == MAX_BULK_OPERATIONS

    async with httpx.AsyncClient(event_hooks={"response": [watch]}) as http:
        client = make_client(emulator, http=http)
        pushing = asyncio.create_task(
            push(
                sessionmaker,
                emulator,
                PushMode.bulk,
                client=client,
                hooks=overlap,
                dialect=dialect_of(app),
            )
        )
        try:
            await wait_until(five_side_by_side, what="five bulk operations side by side")
            assert (watch.started, watch.refused) == (MAX_BULK_OPERATIONS, 0)
        finally:
            emulator.knob("config", {"bulk_hold": False})
            report = await pushing
        await client.aclose()

    assert (report.pushed, report.failed) == (53, 0), report.errors
    assert overlap.most == MAX_BULK_OPERATIONS
    assert (watch.started, watch.refused) == (MAX_BULK_OPERATIONS, 0)
    assert report.bulk is not None and report.bulk["most_at_once"] == MAX_BULK_OPERATIONS
    # Equal chunks (11, 11, 11, 11, 9): none is left to run alone.
    lines = sorted(int(op["objectCount"]) for op in store_bulk_mutations(emulator, earlier))
    assert lines == [9, 11, 11, 11, 11]
    assert_consistent(emulator, await local_products(sessionmaker))


class _StopWhenInFlight(PushHooks):
    """Stops the push once `count` bulk operations are in flight; keeps what it was told."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.in_flight: list[BulkInFlight] = []
        self.stop = False

    def should_stop(self) -> bool:
        return self.stop

    async def on_bulk_in_flight(self, operations: list[BulkInFlight]) -> None:
        self.in_flight = operations
        if len(operations) >= self.count:
            self.stop = True


async def test_stop_with_operations_in_flight_then_resume_collects_them(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    ids = await seed(app, 40)
    # Held: none ends before three are started, however slowly a loaded machine starts them
    # (with a 1 s start-up, the first once ended first at load ~15 and 8 products were pushed).
    emulator.knob("config", {"bulk_hold": True})
    earlier = store_bulk_mutations(emulator)
    config = PushConfig(bulk_poll_interval=0.05)
    stopping = _StopWhenInFlight(3)
    try:
        stopped = await push(
            sessionmaker,
            emulator,
            PushMode.bulk,
            hooks=stopping,
            config=config,
            dialect=dialect_of(app),
        )
    finally:
        emulator.knob("config", {"bulk_hold": False})

    assert stopped.stopped and stopped.pushed == 0
    carried = [i for op in stopping.in_flight for i in op.product_ids]
    assert len(stopping.in_flight) >= 3 and len(carried) == len(set(carried))
    assert stopped.bulk is not None
    assert stopped.bulk["left_in_flight"] == [op.shopify_id for op in stopping.in_flight]
    # Edited while its operation runs: Shopify gets the old content, so it is pushed again.
    edited = carried[0]
    await bump_versions(sessionmaker, [edited], title="Edited in flight")

    resumed = await push_resumed(
        app, sessionmaker, emulator, config, stopped.watermark, stopping.in_flight
    )

    assert (resumed.pushed, resumed.failed) == (40, 0), resumed.errors
    assert resumed.bulk is not None and resumed.bulk["left_in_flight"] == []
    runs = store_bulk_mutations(emulator, earlier)
    assert all(op["status"] == "COMPLETED" for op in runs)
    # Every product ran once, but the edited one twice (its old and its new content).
    assert sum(int(op["objectCount"]) for op in runs) == len(ids) + 1
    products = await local_products(sessionmaker)
    assert_consistent(emulator, products)
    assert next(p for p in products if p.id == edited).title == "Edited in flight"

    # A crash after recording but before forgetting the operations: resumed with them again,
    # nothing is recorded twice and nothing sent.
    again = await push_resumed(app, sessionmaker, emulator, config, 0, stopping.in_flight)
    assert (again.pushed, again.failed) == (0, 0)
    assert len(store_bulk_mutations(emulator, earlier)) == len(runs)


async def push_resumed(
    app: FastAPI,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    config: PushConfig,
    after_id: int,
    in_flight: list[BulkInFlight],
) -> Any:
    from product_dashboard.sync.push.engine import PushEngine

    client = make_client(emulator)
    try:
        engine = PushEngine(sessionmaker, client, dialect=dialect_of(app), config=config)
        return await engine.run(PushScope(), PushMode.bulk, after_id, in_flight)
    finally:
        await client.aclose()


class _StopAtFirstStart(PushHooks):
    """Stops the push as its first bulk start is asked; keeps the checkpoint of that moment."""

    def __init__(self) -> None:
        self.asked: list[BulkInFlight] | None = None

    def should_stop(self) -> bool:
        return self.asked is not None

    async def on_bulk_in_flight(self, operations: list[BulkInFlight]) -> None:
        if self.asked is None and any(op.shopify_id is None for op in operations):
            self.asked = operations


async def test_a_start_asked_but_not_saved_is_found_again_on_resume(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, 30)
    emulator.knob("config", STARTUP)
    earlier = store_bulk_mutations(emulator)
    config = PushConfig(bulk_poll_interval=0.05)
    stopping = _StopAtFirstStart()
    stopped = await push(
        sessionmaker,
        emulator,
        PushMode.bulk,
        hooks=stopping,
        config=config,
        dialect=dialect_of(app),
    )
    # The checkpoint a crash right after asking would have left: the start, with no id yet.
    assert stopping.asked is not None and [op.shopify_id for op in stopping.asked] == [None]
    assert stopped.bulk is not None and len(stopped.bulk["left_in_flight"]) == 1

    resumed = await push_resumed(
        app, sessionmaker, emulator, config, stopped.watermark, stopping.asked
    )

    assert (resumed.pushed, resumed.failed) == (30, 0), resumed.errors
    runs = store_bulk_mutations(emulator, earlier)
    assert sum(int(op["objectCount"]) for op in runs) == 30  # the started one was collected
    assert_consistent(emulator, await local_products(sessionmaker))
