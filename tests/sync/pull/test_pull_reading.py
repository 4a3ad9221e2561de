"""An `auto` pull, and the preview a guarded pull runs first, read Shopify by a bulk export when
that is sooner than pages for the products to read (on the Standard plan, past ~25 products),
with the same outcome either way."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.pull.reading import bulk_is_sooner
from product_dashboard.sync.push.modes import BULK_UNKNOWN_PLAN_FROM
from tests.sync.pull.conftest import Store, local_products, pull
from tests.sync.pull.test_pull_preview import start_pull
from tests.sync.pull.test_pull_undo import finished
from tests.sync.pull.test_pull_undo import pull as pull_job
from tests.sync.test_push_preview import all_results

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
STANDARD = 100.0  # points a second
PLUS = 1000.0


@pytest.mark.quick
def test_bulk_is_chosen_where_pages_would_wait_for_points() -> None:
    assert not bulk_is_sooner(0, STANDARD)
    assert not bulk_is_sooner(24, STANDARD) and bulk_is_sooner(25, STANDARD)
    assert not bulk_is_sooner(76, PLUS) and bulk_is_sooner(77, PLUS)
    assert not bulk_is_sooner(BULK_UNKNOWN_PLAN_FROM - 1, None)
    assert bulk_is_sooner(BULK_UNKNOWN_PLAN_FROM, None)


async def _edit(store: Store, ids: list[str]) -> None:
    for n, shopify_id in enumerate(ids):
        await store.edit(shopify_id, title=f"Renamed in Shopify {n}", price="12.50")


async def _state(sessions: Sessions) -> dict[str | None, tuple[Any, ...]]:
    return {
        p.shopify_product_id: (p.title, p.price_min_cents, p.version, p.synced_hash)
        for p in await local_products(sessions)
    }


async def test_an_auto_pull_of_many_changes_on_standard_reads_them_in_bulk(
    sessions: Sessions, store: Store
) -> None:
    ids = await store.seed(40)
    await pull(sessions, store, PullParams(kind="full"))
    await store.knob("config", {"plan": "standard", "latency_ms": 0})
    await _edit(store, ids[:30])

    report = await pull(sessions, store, PullParams(kind="auto"))

    assert (report.kind, report.source) == ("incremental", "bulk")
    assert report.outcomes == {"merged": 30}
    titles = {p.shopify_product_id: p.title for p in await local_products(sessions)}
    assert [titles[i] for i in ids[:3]] == [f"Renamed in Shopify {n}" for n in range(3)]


async def test_pages_and_bulk_leave_the_same_catalog(sessions: Sessions, store: Store) -> None:
    """The same 30 changes, read by pages (Plus: 30 products are sooner by pages) and by bulk."""
    ids = await store.seed(40)
    await pull(sessions, store, PullParams(kind="full"))
    await store.knob("config", {"plan": "plus", "latency_ms": 0})
    await _edit(store, ids[:30])
    paged = await pull(sessions, store, PullParams(kind="auto"))
    assert paged.source == "pages" and paged.outcomes == {"merged": 30}
    by_pages = await _state(sessions)

    await store.knob("config", {"plan": "standard", "latency_ms": 0})
    await _edit(store, ids[:30])  # the same values again: Shopify's updatedAt moves, nothing else
    exported = await pull(sessions, store, PullParams(kind="auto"))
    assert exported.source == "bulk" and sum(exported.outcomes.values()) == 30
    assert await _state(sessions) == by_pages


async def test_a_guarded_pulls_preview_reads_a_large_backlog_in_bulk(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    """Before the first pull the preview reads the whole store: by pages it took ~1.2 s a
    product on the Standard plan (a 500-product demo store: ten minutes before the pull began)."""
    await store.knob("config", {"plan": "standard", "latency_ms": 0})
    await store.seed(30)

    preview_id = await start_pull(client, editor_headers, dry_run=True)
    preview = await finished(client, editor_headers, preview_id)
    assert preview["report"]["preview"]["source"] == "bulk"
    assert preview["report"]["preview"]["counts"]["actions"] == {"created": 30}
    assert len(await all_results(client, editor_headers, preview_id, "preview")) == 30

    real = await pull_job(client, editor_headers)
    assert len(await all_results(client, editor_headers, real, "done")) == 30


class TestFirstPullWithGuards:
    """A store's first pull can break no guard rule (every product is a create, and there is no
    catalog to take a share of): it reads Shopify once, not a preview's read and then its own."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"guard_block_deletions": True})

    async def test_the_first_pull_is_not_previewed_and_the_next_one_is(
        self, client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
    ) -> None:
        ids = await store.seed(3)
        first = await pull_job(client, editor_headers)
        assert await all_results(client, editor_headers, first, "preview") == []
        assert len(await all_results(client, editor_headers, first, "done")) == 3

        await store.edit(ids[0], title="Renamed in Shopify")
        second = await pull_job(client, editor_headers)
        [previewed] = await all_results(client, editor_headers, second, "preview")
        assert ("title", "Renamed in Shopify") in {
            (c["path"], c["new"]) for c in previewed["changes"]
        }
