"""A bulk pull's export split over the shop's five bulk slots: side by side, balanced, resumable."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.shopify.bulk import active_bulk_operations
from product_dashboard.shopify.export import ExportPart, _group, _Piece, plan_export
from product_dashboard.sync.pull.apply import ChunkResult
from product_dashboard.sync.pull.engine import PullCheckpoint, PullHooks, PullParams, PullReport
from tests.sync.pull.conftest import Store, local_products, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]


class Watch(PullHooks):
    """Stops after `stop_after` chunks; keeps the last checkpoint."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.stop_after = stop_after
        self.chunks = 0
        self.checkpoint: PullCheckpoint | None = None

    def should_stop(self) -> bool:
        return self.stop_after is not None and self.chunks >= self.stop_after

    async def on_chunk(self, result: ChunkResult, checkpoint: PullCheckpoint) -> None:
        self.chunks += 1
        self.checkpoint = checkpoint

    async def on_checkpoint(self, checkpoint: PullCheckpoint, *, flush: bool = False) -> None:
        self.checkpoint = checkpoint


async def _assert_each_product_once(sessions: Sessions, store: Store, count: int) -> None:
    local = await local_products(sessions)
    assert len(local) == count
    assert {p.shopify_product_id for p in local} == set(await store.products())


async def _most_of_ours_at_once(store: Store, pulling: asyncio.Task[PullReport]) -> int:
    """The most bulk queries of ours seen created or running at once in the store (both the
    products' and the variants' exports: their parts take the shop's slots in turn)."""
    most = 0
    while not pulling.done():
        most = max(most, len(await active_bulk_operations(store.client, "QUERY")))
        await asyncio.sleep(0.05)
    return most


async def test_a_full_pull_exports_in_five_parts_side_by_side(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(300)
    # lines per second: each part takes ~2 s, so five are running before the first ends,
    # even when starting them is slowed by a loaded machine (at 300/s it failed under load)
    await store.knob("config", {"bulk_rate": 30})
    hooks = Watch()

    pulling = asyncio.create_task(pull(sessions, store, PullParams(kind="full"), hooks=hooks))
    most_at_once = await _most_of_ours_at_once(store, pulling)
    report = await pulling

    assert report.outcomes == {"created": 300}
    assert report.bulk is not None
    parts = report.bulk["operations"]
    assert len(parts) == 5
    assert [part["status"] for part in parts] == ["COMPLETED"] * 5
    assert sum(part["root_object_count"] for part in parts) == 300
    assert {part["root_object_count"] for part in parts} <= set(range(50, 71))  # about 60 each
    assert most_at_once == 5
    await _assert_each_product_once(sessions, store, 300)
    assert report.deletions is not None and report.deletions.missing == 0


async def test_one_slot_exports_in_one_part(sessions: Sessions, store: Store) -> None:
    await store.seed(120)

    report = await pull(sessions, store, PullParams(kind="full", bulk_slots=1))

    assert report.outcomes == {"created": 120}
    assert report.bulk is not None and len(report.bulk["operations"]) == 1


async def test_a_pull_stopped_with_parts_in_flight_resumes_them(
    sessions: Sessions, store: Store
) -> None:
    """Stopped (as a crash leaves it: the last saved checkpoint) while parts still export and
    one is half applied; the resumed pull waits for the same operations and skips what was
    applied: every product once, none lost."""
    await store.seed(300)
    await store.knob("config", {"bulk_rate": 150})
    hooks = Watch(stop_after=2)
    params = PullParams(kind="full", chunk_size=20)

    first = await pull(sessions, store, params, hooks=hooks)

    assert first.stopped and first.outcomes == {"created": 40}
    checkpoint = hooks.checkpoint
    assert checkpoint is not None and checkpoint.parts is not None
    assert len(checkpoint.parts) == 5 and all(p.operation_id for p in checkpoint.parts)
    assert checkpoint.applied == 40 and not all(p.done for p in checkpoint.parts)
    await store.knob("config", {"bulk_rate": 2000})

    resumed = await pull(sessions, store, params, checkpoint=checkpoint)

    assert not resumed.stopped
    assert resumed.outcomes == {"created": 300}  # tally carried over, nothing twice
    assert resumed.bulk is not None
    assert [o["id"] for o in resumed.bulk["operations"]] == [
        p.operation_id for p in checkpoint.parts
    ]
    await _assert_each_product_once(sessions, store, 300)
    assert resumed.deletions is not None and resumed.deletions.missing == 0


async def test_a_part_shopify_no_longer_has_is_exported_again_alone(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(300)
    hooks = Watch(stop_after=1)
    params = PullParams(kind="full", chunk_size=20)
    await pull(sessions, store, params, hooks=hooks)
    checkpoint = hooks.checkpoint
    assert checkpoint is not None and checkpoint.parts is not None
    kept = [p.operation_id for p in checkpoint.parts]
    gone = next(i for i, p in enumerate(checkpoint.parts) if p.applied)  # its first 20 applied
    checkpoint.parts[gone] = checkpoint.parts[gone].model_copy(
        update={"operation_id": "gid://shopify/BulkOperation/987654321"}
    )

    resumed = await pull(sessions, store, params, checkpoint=checkpoint)

    assert resumed.bulk is not None
    ids = [o["id"] for o in resumed.bulk["operations"]]
    assert [i for n, i in enumerate(ids) if n != gone] == [
        i for n, i in enumerate(kept) if n != gone
    ]
    assert ids[gone] not in kept
    # The part exported again is applied from its start: its first 20 are already here.
    assert resumed.outcomes == {"created": 300, "unchanged": 20}
    await _assert_each_product_once(sessions, store, 300)


async def test_the_plan_covers_the_catalog_without_overlap(store: Store) -> None:
    await store.seed(260)

    parts, total = await plan_export(store.client, None, 5)

    assert total == 260 and len(parts) == 5
    assert parts[0].search is not None and parts[0].search.startswith("id:<")
    assert parts[-1].search is not None and "<" not in parts[-1].search  # open at both ends
    assert await plan_export(store.client, None, 5) == (parts, 260)  # same catalog, same plan
    await store.knob("reset")
    await store.seed(30)
    assert await plan_export(store.client, None, 5) == ([ExportPart(search=None)], 30)


def test_pieces_of_uneven_density_are_grouped_into_equal_parts() -> None:
    """Ids grow unevenly (an import adds thousands at once): parts follow the counts, not the
    id widths."""
    counts = [5, 0, 400, 380, 10, 5, 200, 0, 0, 0]
    pieces = [_Piece(i * 100, (i + 1) * 100, n) for i, n in enumerate(counts) if n]

    groups = _group(pieces, sum(counts), 3)

    assert groups == [(0, 300), (300, 400), (400, 700)]  # 405, 380, 215 products
    assert _group(pieces, sum(counts), 1) == [(0, 700)]
