"""The import commits chunk by chunk, so it never holds the database for its whole file, and keeps
its promises: a dry run writes nothing and previews what one transaction would have; `abort`
imports nothing when a product fails, in a later chunk too, or when the catalog changes under its
commit pass (what it wrote is taken back, but what was edited since); its job's heartbeat stays
fresh; a job cut short is not reported a success when run again."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.importer import service
from product_dashboard.importer.parse import ParsedProduct, read_rows
from product_dashboard.importer.results import ImportResults
from product_dashboard.importer.service import ImportReport, run_import
from product_dashboard.job import JobRunner
from product_dashboard.models import AuditSource, Job, JobResult, JobState, Product
from tests.batch.helpers import wait_job
from tests.importer.test_import import Headers, upload
from tests.job.helpers import wait_for_state
from tests.job.test_one_writer import on_sqlite

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
ACTOR = Actor(source=AuditSource.import_)
HEADER = "Handle,Title,Vendor,Variant SKU,Variant Price\n"


def _file(count: int, *, price: str = "5.00", prefix: str = "item") -> str:
    return HEADER + "".join(
        f"{prefix}-{n},Item {n},Acme,{prefix.upper()}-{n},{price}\n" for n in range(count)
    )


def _parsed(text: str) -> list[ParsedProduct]:
    return list(read_rows(iter(csv.reader(io.StringIO(text)))))


async def _job_results(sessions: Sessions, job_id: str = "import") -> ImportResults:
    """An import job's recorder (a chunked abort import is taken back from its results)."""
    async with sessions() as session, session.begin():
        session.add(Job(id=job_id, type="product.import", params={}))
    return ImportResults(job_id, dry_run=False)


async def _abort_job(
    sessions: Sessions, text: str, progress: Any, recorder: ImportResults
) -> ImportReport:
    return await run_import(
        sessions,
        _parsed(text),
        ACTOR,
        dry_run=False,
        on_error="abort",
        progress=progress,
        recorder=recorder,
    )


@pytest.fixture
def chunk_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "CHUNK", 2)


async def _prices(sessions: Sessions) -> dict[str, list[str]]:
    """Every product's handle, title and variant prices, as the API would read them."""
    async with sessions() as session:
        products = (await session.scalars(select(Product).order_by(Product.handle))).all()
        out: dict[str, list[str]] = {}
        for product in products:
            await session.refresh(product, ["variants"])
            prices = [str(v.price_cents) for v in product.variants]
            out[product.handle] = [product.title, str(product.version), *prices]
        return out


async def test_an_edit_and_a_job_go_in_between_two_chunks_of_an_import_on_sqlite(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    chunk_of_two: None,
) -> None:
    """While an import is paused between its chunks, an edit and a job's submission (its row is
    a write) are answered at once. With the file in one transaction both waited out SQLite's
    busy timeout (10 s) and got 503 database_busy."""
    seeded = await upload(client, editor_headers, _file(1, prefix="seed"))
    assert seeded.status_code == 200, seeded.text
    async with sessionmaker() as session:
        product = (await session.scalars(select(Product))).one()
    paused, go_on = asyncio.Event(), asyncio.Event()

    async def progress(report: ImportReport) -> None:
        # Two products written and their chunk ended (or, one transaction: the second written).
        if report.products == 2 and getattr(report, "between_chunks", True) and not paused.is_set():
            paused.set()
            await go_on.wait()

    importing = asyncio.create_task(
        run_import(
            sessionmaker,
            _parsed(_file(6)),
            ACTOR,
            dry_run=False,
            on_error="skip",
            progress=progress,
        )
    )
    try:
        await asyncio.wait_for(paused.wait(), 60)  # a guard against a hang, not a timing
        edited = await client.put(
            f"/api/products/{product.id}",
            json={"title": "Edited meanwhile", "version": product.version},
            headers=editor_headers,
        )
        assert edited.status_code == 200, edited.text
        queued = await client.post(
            "/api/products/batch/export",
            json={"product_ids": [product.id], "as_job": True},
            headers=editor_headers,
        )
        assert queued.status_code == 202, queued.text
        assert not importing.done()
    finally:
        go_on.set()
    report = await importing
    assert report.committed and report.created == 6
    titles = await _prices(sessionmaker)
    assert titles["seed-0"][0] == "Edited meanwhile" and len(titles) == 7


async def test_a_writer_waiting_for_the_lock_gets_it_between_chunks_on_sqlite(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An edit sent while a chunk holds SQLite's write lock waits in SQLite's busy handler; the
    import lets it go first at the end of that chunk instead of taking the lock straight back
    (without the turn between chunks it waited for the whole import)."""
    monkeypatch.setattr(service, "CHUNK", 20)
    seeded = await upload(client, editor_headers, _file(1, prefix="seed"))
    assert seeded.status_code == 200, seeded.text
    async with sessionmaker() as session:
        product = (await session.scalars(select(Product))).one()
    edit: list[asyncio.Task[httpx.Response]] = []
    done_at: list[int] = []

    async def progress(report: ImportReport) -> None:
        if report.products == 25 and not edit:  # inside the second chunk: the lock is held
            edit.append(
                asyncio.create_task(
                    client.put(
                        f"/api/products/{product.id}",
                        json={"title": "Edited meanwhile"},
                        headers=editor_headers,
                    )
                )
            )
        if edit and edit[0].done() and not done_at:
            done_at.append(report.products)

    report = await run_import(
        sessionmaker, _parsed(_file(240)), ACTOR, dry_run=False, on_error="skip", progress=progress
    )
    assert report.committed and report.created == 240
    assert (await edit[0]).status_code == 200
    # Answered once the second chunk ended (or, on a loaded machine, one of the next two), not
    # after the twelfth (the last): without the turn, at product 161 or after the import.
    assert done_at and done_at[0] <= 100, done_at


@pytest.mark.postgres
async def test_abort_with_a_bad_product_in_a_later_chunk_leaves_nothing(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    chunk_of_two: None,
) -> None:
    seeded = await upload(client, editor_headers, _file(3, price="1.00"))
    assert seeded.status_code == 200, seeded.text
    before = await _prices(sessionmaker)
    text = _file(3, price="2.00") + "new-one,New One,Acme,N-1,3.00\nbroken,Broken,Acme,B-1,five\n"
    recorder = await _job_results(sessionmaker)
    report = await run_import(
        sessionmaker, _parsed(text), ACTOR, dry_run=False, on_error="abort", recorder=recorder
    )
    assert not report.committed
    assert (report.updated, report.created, report.failed) == (3, 1, 1)
    assert [r.outcome for r in report.results] == ["updated"] * 3 + ["created", "failed"]
    assert report.errors[0].row == 6 and report.revert is None
    assert await _prices(sessionmaker) == before

    # The same through the API, inline and as a job: 422, and nothing written.
    inline = await upload(client, editor_headers, text)
    assert inline.status_code == 422, inline.text
    assert "nothing was imported" in inline.json()["detail"]
    assert await _prices(sessionmaker) == before


def _comparable(report: ImportReport, recorder: ImportResults, ids: bool) -> Any:
    preview = [c.model_dump(mode="json") for c in recorder.kept]
    if not ids:  # products a dry run would create have no id of their own
        for change in preview:
            change.pop("product_id")
            # Nor their variants: the levels they would have (`stock`) name them.
            change["changes"] = [c for c in change["changes"] if not c["path"].startswith("stock")]
    return report.as_dict(), preview, recorder.counts.model_dump()


@pytest.mark.postgres
async def test_a_dry_run_over_chunks_previews_what_one_transaction_did(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Created, updated, unchanged and failed products, and a handle created in the first chunk
    and written again in the last: chunks of 2 (each rolled back) report and preview exactly
    what one chunk (one transaction, as every import was) does."""
    seed = HEADER + "same,Same,Acme,S-1,10.00\nmoved,Moved,Acme,M-1,20.00\n"
    seeded = await upload(client, editor_headers, seed)
    assert seeded.status_code == 200, seeded.text
    before = await _prices(sessionmaker)
    products = _parsed(
        HEADER + "twice,Twice,Acme,T-1,1.00\n"  # created
        "moved,Moved,Zenith,M-1,22.50\n"  # updated
        "same,Same,Acme,S-1,10.00\n"  # unchanged
        "broken,Broken,Acme,B-1,five\n"  # failed
        "other,Other,Acme,O-1,3.00\n"  # created
    )
    [again] = _parsed(HEADER + "\n\n\n\n\n\ntwice,Twice Again,Acme,T-1,2.00\n")  # chunk 3
    seen = []
    for chunk in (250, 2):
        monkeypatch.setattr(service, "CHUNK", chunk)
        for on_error in ("abort", "skip"):
            recorder = ImportResults(None, dry_run=True)
            report = await run_import(
                sessionmaker,
                [*products, again],
                ACTOR,
                dry_run=True,
                on_error=on_error,
                recorder=recorder,
            )
            assert [r.outcome for r in report.results] == [
                "created",
                "updated",
                "unchanged",
                "failed",
                "created",
                "updated",
            ]
            seen.append(_comparable(report, recorder, ids=on_sqlite(app)))
            assert await _prices(sessionmaker) == before
    assert seen[2:] == seen[:2]
    changes = {c["handle"]: c["changes"] for c in seen[0][1] if c["action"] == "updated"}
    assert [(c["path"], c["old"], c["new"]) for c in changes["twice"]] == [
        ("title", "Twice", "Twice Again"),
        ("variants[Default Title].price", "1.00", "2.00"),
    ]


@pytest.mark.postgres
async def test_a_product_failing_in_the_commit_pass_takes_the_import_back_but_later_edits(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    chunk_of_two: None,
) -> None:
    """A file of prices and two new products checks clean; then, as its commit pass runs, a
    product of its third chunk is deleted (a row with no title cannot create it: it fails) and
    products of the first two chunks, written already, are edited. The third chunk is rolled
    back and the two before taken back as the undo of the job would (three-way): a price edited
    since stays and is reported, a title edited since stays beside the price taken back, a new
    product unchanged since is deleted, one edited since stays and is reported."""
    seeded = await upload(client, editor_headers, _file(6, price="1.00"))
    assert seeded.status_code == 200, seeded.text
    before = await _prices(sessionmaker)
    async with sessionmaker() as session:
        ids = {p.handle: p.id for p in (await session.scalars(select(Product))).all()}
    text = (
        "Handle,Title,Variant Price\nitem-0,,9.00\nitem-1,,9.00\nnew-a,New A,3.00\n"
        "new-b,New B,3.00\nitem-4,,9.00\nitem-5,,9.00\n"
    )
    raced = False

    async def progress(report: ImportReport) -> None:
        nonlocal raced
        if report.checked_rows and report.between_chunks and report.products == 4 and not raced:
            raced = True  # the commit pass's first two chunks are committed
            gone = await client.delete(f"/api/products/{ids['item-4']}", headers=editor_headers)
            assert gone.status_code == 204, gone.text
            async with sessionmaker() as session:
                new = {p.handle: p.id for p in (await session.scalars(select(Product))).all()}
            item_0 = await client.get(f"/api/products/{ids['item-0']}", headers=editor_headers)
            variant = item_0.json()["variants"][0]["id"]
            edits = [
                (ids["item-0"], {"variants": [{"id": variant, "price": "7.00"}]}),
                (ids["item-1"], {"title": "Edited"}),
                (new["new-b"], {"title": "New B edited"}),
            ]
            for product_id, body in edits:
                edited = await client.put(
                    f"/api/products/{product_id}", json=body, headers=editor_headers
                )
                assert edited.status_code == 200, edited.text

    recorder = await _job_results(sessionmaker)
    report = await _abort_job(sessionmaker, text, progress, recorder)
    assert raced and not report.committed
    assert (report.updated, report.created, report.failed, report.products) == (2, 2, 1, 5)
    assert report.results[-1].handle == "item-4" and "needs a title" in report.results[-1].reason
    assert report.revert is not None, report
    kept = {k["handle"]: k for k in report.revert["not_reverted"]}
    assert report.revert["reverted"] == 2 and report.revert["not_reverted_count"] == 2, kept
    assert kept.keys() == {"item-0", "new-b"}
    assert kept["item-0"]["outcome"] == "updated" and "price" in kept["item-0"]["reason"]
    assert kept["new-b"] == {
        "row": 5,
        "handle": "new-b",
        "product_id": kept["new-b"]["product_id"],
        "outcome": "created",
        "reason": "created by the job and changed since: left as it is",
    }
    now = await _prices(sessionmaker)
    assert now.pop("item-0")[::2] == ["Item 0", "700"]
    assert now.pop("item-1")[::2] == ["Edited", "100"]
    assert now.pop("new-b")[::2] == ["New B edited", "300"]
    assert "new-a" not in now and "item-4" not in now
    before.pop("item-0"), before.pop("item-1"), before.pop("item-4")
    assert now == before  # item-5: never written
    async with sessionmaker() as session:
        rows = await session.scalars(select(JobResult.handle).where(JobResult.job_id == "import"))
        assert sorted(rows) == ["item-0", "new-b"]  # the rows of those taken back go


async def test_an_import_jobs_heartbeat_stays_fresh_while_it_runs(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The runner renews a running job's lease (its heartbeat) every `heartbeat_interval`; on
    SQLite it could not while the import held the write lock for its whole file."""
    monkeypatch.setattr(service, "CHUNK", 25)
    monkeypatch.setattr("product_dashboard.importer.endpoints.SYNC_LIMIT", 1)
    runner: JobRunner = app.state.job_runner
    monkeypatch.setattr(runner.config, "heartbeat_interval", 0.1)
    started = await upload(client, editor_headers, _file(300), on_error="skip")
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    beats: set[Any] = set()
    while True:
        async with sessionmaker() as session:
            job = await session.get(Job, job_id)
            assert job is not None
            if job.state not in (JobState.queued, JobState.running):
                break
            if job.state == JobState.running:
                beats.add(job.heartbeat_at)
        await asyncio.sleep(0.05)
    done = await wait_job(client, editor_headers, job_id)
    assert done["state"] == "completed" and done["report"]["created"] == 300
    assert len(beats) >= 3, beats


@pytest.mark.postgres
async def test_an_import_job_cut_short_after_committing_is_not_run_again_as_new(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A job taken back after its process died is run again: one whose earlier run committed
    chunks fails saying what stays, instead of importing over them and reporting those products
    unchanged (its results rows, committed with each chunk, tell)."""
    monkeypatch.setattr("product_dashboard.importer.endpoints.SYNC_LIMIT", 1)
    started = await upload(client, editor_headers, _file(4), on_error="skip")
    first = await wait_job(client, editor_headers, started.json()["job_id"])
    assert first["state"] == "completed", first
    # As if it had died there: running again, its file still on disk.
    async with sessionmaker() as session, session.begin():
        job = await session.get(Job, first["id"])
        assert job is not None
        await asyncio.to_thread(Path(job.params["path"]).write_text, _file(4, price="7.00"))
        job.state = JobState.queued
        job.report = None
    app.state.job_runner.wake()
    again = await wait_for_state(sessionmaker, first["id"], JobState.failed)
    assert again.error is not None and "interrupted" in again.error
    assert "written 4 product(s) (4 created, 0 updated" in again.error
    assert again.report is not None and again.report["committed"] is True
    assert not await asyncio.to_thread(Path(again.params["path"]).exists)
    async with sessionmaker() as session:
        rows = await session.scalar(select(func.count()).select_from(JobResult))
    assert rows == 4
    assert {v[2] for v in (await _prices(sessionmaker)).values()} == {"500"}


@pytest.mark.postgres
async def test_an_error_after_a_chunk_was_committed_says_what_stays(
    sessionmaker: Sessions, chunk_of_two: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error that ends the import part-way (the database gone) after chunks were committed is
    not a plain failure: it says those products stay and the rest of the file was not written."""
    chunks = 0
    write_chunk = service._import_chunk

    async def failing_third(*args: Any, **kwargs: Any) -> set[str]:
        nonlocal chunks
        chunks += 1
        if chunks == 3:
            raise RuntimeError("the database went away")
        return await write_chunk(*args, **kwargs)

    monkeypatch.setattr(service, "_import_chunk", failing_third)
    with pytest.raises(service.ImportInterrupted) as raised:
        await run_import(sessionmaker, _parsed(_file(6)), ACTOR, dry_run=False, on_error="skip")
    assert "committed its first 4 product(s) (up to row 5)" in str(raised.value)
    assert "RuntimeError: the database went away" in str(raised.value)
    assert sorted(await _prices(sessionmaker)) == [f"item-{n}" for n in range(4)]


async def test_an_import_answered_in_the_request_is_one_transaction(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    chunk_of_two: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An inline import (at most SYNC_LIMIT rows) of more than a chunk runs as one chunk: one
    transaction, one pass (chunked, an abort import checked then committed each of 3 chunks)."""
    begun: list[int] = []
    begin = service._begin

    async def counted(session: AsyncSession) -> None:
        begun.append(1)
        await begin(session)

    monkeypatch.setattr(service, "_begin", counted)
    imported = await upload(client, editor_headers, _file(6))
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 6 and len(begun) == 1
    failing = await upload(client, editor_headers, _file(5, price="2.00") + "bad,Bad,A,B,x\n")
    assert failing.status_code == 422 and len(begun) == 2
    assert {v[2] for v in (await _prices(sessionmaker)).values()} == {"500"}


@pytest.mark.postgres
@pytest.mark.parametrize("edits", [1, 2])
async def test_a_product_edited_between_its_chunks_read_and_write_retries_the_chunk_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    chunk_of_two: None,
    monkeypatch: pytest.MonkeyPatch,
    edits: int,
) -> None:
    """PostgreSQL: an edit committed after the commit pass's chunk read its products and before
    it wrote one of them makes that write a version conflict; the chunk is rolled back and
    written again, and the import goes on (the edit kept). A second conflict on the retry fails
    the product and takes the import back. (SQLite: the chunk takes the write lock before it
    reads, so no edit lands in between.)"""
    if on_sqlite(app):
        pytest.skip("SQLite: a chunk takes the write lock before it reads; nothing lands between")
    seeded = await upload(client, editor_headers, _file(6, price="1.00"))
    assert seeded.status_code == 200, seeded.text
    async with sessionmaker() as session:
        ids = {p.handle: p.id for p in (await session.scalars(select(Product))).all()}
    committing, left = False, edits

    async def progress(report: ImportReport) -> None:
        nonlocal committing
        committing = bool(report.checked_rows)

    write_one = service._write_one

    async def raced(session: AsyncSession, parsed: ParsedProduct, *args: Any) -> Any:
        nonlocal left
        if committing and parsed.handle == "item-3" and left:  # read by its chunk already
            left -= 1
            edited = await client.put(
                f"/api/products/{ids['item-3']}",
                json={"title": f"Edited {left}"},
                headers=editor_headers,
            )
            assert edited.status_code == 200, edited.text
        return await write_one(session, parsed, *args)

    monkeypatch.setattr(service, "_write_one", raced)
    recorder = await _job_results(sessionmaker)
    text = "Handle,Variant Price\n" + "".join(f"item-{n},9.00\n" for n in range(6))
    report = await _abort_job(sessionmaker, text, progress, recorder)
    now = await _prices(sessionmaker)
    assert left == 0
    if edits == 1:
        assert report.committed and (report.updated, report.failed) == (6, 0), report.errors
        assert [r.handle for r in report.results] == [f"item-{n}" for n in range(6)]
        assert recorder.counts.products == 6
        assert now["item-3"][::2] == ["Edited 0", "900"]
        assert {v[2] for v in now.values()} == {"900"}
    else:
        assert not report.committed and report.failed == 1
        assert "changed by someone else" in report.results[-1].reason
        assert report.revert is not None and report.revert["reverted"] == 2, report.revert
        assert now["item-3"][::2] == ["Edited 0", "100"]
        assert {v[2] for v in now.values()} == {"100"}
