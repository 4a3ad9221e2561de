"""A guarded pull that no rule holds applies what its preview read instead of reading Shopify
again (`sync.pull.kept`); one held and approved later reads again; a change made in Shopify
after the preview's read is caught by the next pull; the preview shows its progress."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.eventstream.bus import SYNC
from product_dashboard.models import Job, JobState
from product_dashboard.safety.guards import GuardRules
from product_dashboard.shopify.mapping import SyncProduct
from product_dashboard.sync.job_types import PULL_JOB
from product_dashboard.sync.pull import kept
from product_dashboard.sync.pull.engine import PullEngine, PullParams
from product_dashboard.sync.pull.kept import KEEP_PAGES_UP_TO, PreviewRead
from product_dashboard.sync.pull.preview import preview_report
from product_dashboard.sync.pull.source import Page, RemoteProduct
from tests.sync.pull.conftest import Store, committing, local_products, pull
from tests.sync.pull.test_pull_preview import held, start_pull
from tests.sync.pull.test_pull_undo import finished
from tests.sync.pull.test_pull_undo import pull as pull_job
from tests.sync.test_push_preview import all_results

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
EXPORTS = '{ bulkOperations(first: 250, query: "operation_type:query") { nodes { id query } } }'


async def _exports(store: Store) -> dict[str, str]:
    """The store's bulk query operations: their query, by id."""
    response = await store.client.execute(EXPORTS)
    return {op["id"]: op["query"] for op in response.data["bulkOperations"]["nodes"]}


def _products_exports(exports: dict[str, str]) -> set[str]:
    return {i for i, query in exports.items() if "productVariants" not in query}


async def _edit(store: Store, ids: list[str]) -> None:
    for n, shopify_id in enumerate(ids):
        await store.edit(shopify_id, title=f"Ünïcode rename {n} 🧵", price="12.50")


async def _titles(sessions: Sessions) -> dict[str | None, str]:
    return {p.shopify_product_id: p.title for p in await local_products(sessions)}


async def _job(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> Any:
    return (await client.get(f"/api/jobs/{job_id}", headers=headers)).json()


def _changes(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((r["product_id"], r["action"], str(r["changes"])) for r in rows)


class TestNotHeld:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"guard_block_deletions": True})

    async def test_a_guarded_pull_not_held_reads_the_store_once(
        self,
        client: httpx.AsyncClient,
        editor_headers: dict[str, str],
        store: Store,
        sessions: Sessions,
        app: FastAPI,
    ) -> None:
        ids = await store.seed(60)
        await pull_job(client, editor_headers)  # the first pull: nothing to preview
        await store.knob("config", {"plan": "standard", "latency_ms": 0})
        await _edit(store, ids[:30])
        before = await _exports(store)
        events = app.state.event_bus.subscribe([SYNC], maxsize=10_000)

        job_id = await pull_job(client, editor_headers)

        report = (await _job(client, editor_headers, job_id))["report"]
        new = {i: q for i, q in (await _exports(store)).items() if i not in before}
        # One products export (the preview's), collected by the pull; reading twice ran two.
        applied = {op["id"] for op in report["bulk"]["operations"]}
        assert _products_exports(new) == applied
        assert len(new) == 2 * len(applied)  # and its variants export beside it, once
        assert (report["kind"], report["source"], report["reused_preview"]) == (
            "incremental",
            "bulk",
            True,
        )
        assert report["outcomes"] == {"merged": 30}
        preview = await all_results(client, editor_headers, job_id, "preview")
        done = await all_results(client, editor_headers, job_id, "done")
        assert len(done) == 30 and _changes(done) == _changes(preview)

        # The same catalog as reading again: a full pull now finds nothing to change.
        again = await pull(sessions, store, PullParams(kind="full"))
        assert set(again.outcomes) <= {"unchanged", "echo"}, again.outcomes
        shopify = await store.products()
        assert await _titles(sessions) == {i: p.title for i, p in shopify.items()}

        previewing = []
        while (event := events.get_nowait()) is not None:
            if event.type == "sync.pull.previewing" and event.data["job_id"] == job_id:
                previewing.append(event.data)
        assert previewing and all(e["phase"] == "previewing" for e in previewing)
        assert previewing[0]["progress"]["total"] == 30
        assert max(e["progress"]["done"] for e in previewing) == 30

    async def test_a_pull_stopped_while_previewing_previews_again_when_resumed(
        self,
        client: httpx.AsyncClient,
        editor_headers: dict[str, str],
        store: Store,
        sessionmaker: Sessions,
    ) -> None:
        """A crash or stop before the pull saved a checkpoint of its own leaves the preview's:
        it resumes nothing (old code took it for a pull's and skipped the preview)."""
        ids = await store.seed(8)
        await pull_job(client, editor_headers)
        await _edit(store, ids[:3])
        async with sessionmaker() as session, session.begin():
            session.add(
                Job(
                    id="stopped-previewing",
                    type=PULL_JOB.name,
                    state=JobState.stopped,
                    params={"direction": "pull"},
                    checkpoint={"previewing": True},
                    done=2,
                    total=3,
                )
            )
        resumed = await client.post(
            "/api/sync/parallel/resume",
            json={"job_id": "stopped-previewing"},
            headers=editor_headers,
        )
        assert resumed.status_code == 200, resumed.text
        report = (await finished(client, editor_headers, "stopped-previewing"))["report"]

        preview = await all_results(client, editor_headers, "stopped-previewing", "preview")
        done = await all_results(client, editor_headers, "stopped-previewing", "done")
        assert len(preview) == 3 and _changes(done) == _changes(preview)
        assert report["reused_preview"] is True and report["outcomes"] == {"merged": 3}


class TestHeld:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"guard_catalog_share_percent": 50.0})

    async def test_a_pull_held_and_approved_later_reads_again(
        self, client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
    ) -> None:
        ids = await store.seed(60)
        await pull_job(client, editor_headers)
        await store.knob("config", {"plan": "standard", "latency_ms": 0})
        await _edit(store, ids[:40])
        before = await _exports(store)
        job_id = await start_pull(client, editor_headers)
        job = await held(client, editor_headers, job_id)
        assert [h["rule"] for h in job["report"]["preview"]["held_by"]] == ["catalog_share"]
        previewed = _products_exports(
            {i: q for i, q in (await _exports(store)).items() if i not in before}
        )
        assert previewed

        approved = await client.post(f"/api/jobs/{job_id}/approve", headers=editor_headers)
        assert approved.status_code == 200, approved.text
        report = (await finished(client, editor_headers, job_id))["report"]

        assert report["reused_preview"] is False and report["outcomes"] == {"merged": 40}
        applied = {op["id"] for op in report["bulk"]["operations"]}
        assert applied and not applied & previewed


async def _preview(sessions: Sessions, store: Store) -> PreviewRead:
    rules = GuardRules(block_deletions=True)
    async with sessions() as session, session.begin():
        if await session.get(Job, "preview-test") is None:
            session.add(Job(id="preview-test", type=PULL_JOB.name, state=JobState.running))
    _, read = await preview_report(committing(sessions), store.client, "preview-test", rules)
    return read


async def _pull_after(sessions: Sessions, store: Store, read: PreviewRead) -> Any:
    engine = PullEngine(committing(sessions), store.client, ConflictEvents(None))
    return await engine.run(PullParams(), preview=read)


@pytest.mark.parametrize(
    ("first", "plan", "edits", "kind", "source"),
    [
        (False, "standard", 0, "full", "bulk"),  # nothing pulled yet: the preview read it all
        (True, "standard", 30, "incremental", "bulk"),
        (True, "plus", 3, "incremental", "pages"),
    ],
)
async def test_a_change_after_the_previews_read_is_caught_by_the_next_pull(
    sessions: Sessions,
    store: Store,
    first: bool,
    plan: str,
    edits: int,
    kind: str,
    source: str,
) -> None:
    ids = await store.seed(40)
    if first:
        await pull(sessions, store, PullParams(kind="full"))
    await store.knob("config", {"plan": plan, "latency_ms": 0})
    await _edit(store, ids[:edits])
    read = await _preview(sessions, store)
    assert read.source == source
    exports = await _exports(store)
    late = ids[-1]
    await store.edit(late, title="Changed after the preview's read")

    report = await _pull_after(sessions, store, read)

    assert (report.kind, report.source, report.reused_preview) == (kind, source, True)
    assert await _exports(store) == exports  # no export of its own
    assert (await _titles(sessions))[late] != "Changed after the preview's read"
    assert report.cursor is not None
    again = await pull(sessions, store, PullParams())
    assert again.kind == "incremental" and again.outcomes.get("merged") == 1, again.outcomes
    assert (await _titles(sessions))[late] == "Changed after the preview's read"


async def test_a_stale_read_is_read_again(
    sessions: Sessions, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await store.seed(40)
    await pull(sessions, store, PullParams(kind="full"))
    await store.knob("config", {"plan": "standard", "latency_ms": 0})
    await _edit(store, ids[:30])
    read = await _preview(sessions, store)
    exports = await _exports(store)
    monkeypatch.setattr(kept, "FRESH_FOR", 0.0)

    report = await _pull_after(sessions, store, read)

    assert report.source == "bulk" and not report.reused_preview
    assert _products_exports(await _exports(store)) > _products_exports(exports)
    assert report.outcomes == {"merged": 30}


async def test_a_read_of_other_products_is_not_applied(sessions: Sessions, store: Store) -> None:
    """The preview read the changes since the cursor; a full pull reads every product."""
    ids = await store.seed(40)
    await pull(sessions, store, PullParams(kind="full"))
    await store.knob("config", {"plan": "standard", "latency_ms": 0})
    await _edit(store, ids[:30])
    read = await _preview(sessions, store)
    engine = PullEngine(committing(sessions), store.client, ConflictEvents(None))

    report = await engine.run(PullParams(kind="full"), preview=read)

    assert report.kind == "full" and not report.reused_preview
    assert sum(report.outcomes.values()) == 40


@pytest.mark.parametrize(("state", "phase"), [("running", "previewing"), ("stopped", None)])
async def test_the_sync_status_says_a_running_pull_is_previewing(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    sessionmaker: Sessions,
    state: str,
    phase: str | None,
) -> None:
    async with sessionmaker() as session, session.begin():
        session.add(
            Job(
                id="previewing",
                type=PULL_JOB.name,
                state=state,
                params={"direction": "pull"},
                checkpoint={"previewing": True},
                done=12,
                total=40,
            )
        )
    response = await client.get(
        "/api/sync/parallel/status", params={"job_id": "previewing"}, headers=editor_headers
    )
    assert response.status_code == 200, response.text
    status = response.json()
    assert (status["phase"], status["progress"]["done"], status["progress"]["total"]) == (
        phase,
        12,
        40,
    )


@pytest.mark.quick
def test_a_large_read_by_pages_is_not_kept() -> None:
    """Memory stays bounded: past KEEP_PAGES_UP_TO products the pages are let go, and the pull
    reads again."""
    since = datetime(2026, 12, 1, tzinfo=UTC)
    read = PreviewRead(since=since, source="pages", total=0, pages=[])
    product = RemoteProduct(SyncProduct.blank(title="Tee", handle="tee"), None)
    page = Page([product] * 100, end_cursor="c", has_next=True)
    for _ in range(KEEP_PAGES_UP_TO // 100):
        read.keep(page)
    assert read.serves("incremental", since, None)
    read.keep(page)
    assert read.pages is None and not read.serves("incremental", since, None)
