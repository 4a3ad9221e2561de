"""An import's results rows and a dry run's preview, read a chunk of products at a time: the
same rows, field by field, as reading each product alone gave, and each row's after-shape its
own even when a later product of the file writes the same product again."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.audit.service import Actor
from product_dashboard.db import create_sessionmaker
from product_dashboard.importer.parse import read_rows
from product_dashboard.importer.results import ImportResults, import_shapes
from product_dashboard.importer.service import run_import
from product_dashboard.models import AuditSource, Job, JobResult, Product, ResultStage
from tests.batch.helpers import wait_job
from tests.importer.test_import import Headers, upload
from tests.sync.test_push_preview import all_results

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

HEADER = "Handle,Title,Vendor,Variant SKU,Variant Price\n"
SEED = HEADER + "same,Same Thing,Acme,S-1,10.00\nmoved,Moved Thing,Acme,M-1,20.00\n"
MIXED = HEADER + (
    "fresh,Fresh Thing,Acme,F-1,5.00\n"  # created
    "moved,Moved Thing,Zenith,M-1,22.50\n"  # updated
    "same,Same Thing,Acme,S-1,10.00\n"  # unchanged: no row
    "broken,Broken Thing,Acme,B-1,five\n"  # failed: no row
    "later,Later Thing,Acme,L-1,7.25\n"  # created
)

# What the per-product recording (one local_shape read each, before and after) gave for MIXED
# after SEED: (action, handle, row, {(path, old, new)}), dicts as sorted JSON.


def _created(handle: str, title: str, sku: str, price: str) -> set[tuple[str, Any, Any]]:
    variant = {
        "barcode": None,
        "compare_at_price": None,
        "option_values": ["Default Title"],
        "price": price,
        "sku": sku,
    }
    return {
        ("description_html", None, ""),
        ("handle", None, handle),
        ("options[Title]", None, _text({"name": "Title", "values": ["Default Title"]})),
        ("product_type", None, ""),
        ("status", None, "draft"),
        ("title", None, title),
        ("variants[Default Title]", None, _text(variant)),
        ("vendor", None, "Acme"),
    }


def _text(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


EXPECTED = [
    ("created", "fresh", 2, _created("fresh", "Fresh Thing", "F-1", "5.00")),
    (
        "updated",
        "moved",
        3,
        {("variants[Default Title].price", "20.00", "22.50"), ("vendor", "Acme", "Zenith")},
    ),
    ("created", "later", 6, _created("later", "Later Thing", "L-1", "7.25")),
]


def _seen(rows: list[dict[str, Any]]) -> list[tuple[str, str, int, set[tuple[str, Any, Any]]]]:
    return [
        (
            r["action"],
            r["handle"],
            r["row"],
            # Levels (`stock`) name variant and location ids, which differ run to run: the
            # levels' own tests are test_import_levels.py.
            {
                (c["path"], _text(c["old"]), _text(c["new"]))
                for c in r["changes"]
                if not c["path"].startswith("stock")
            },
        )
        for r in rows
    ]


async def _shapes(engine: AsyncEngine) -> dict[str, dict[str, Any]]:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        ids = list(await session.scalars(select(Product.id)))
        return {shape["handle"]: shape for shape in (await import_shapes(session, ids)).values()}


@pytest.mark.parametrize("chunk", [2, 250])
async def test_a_mixed_files_preview_and_results_are_each_products_own(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
) -> None:
    """Created, updated, unchanged and failed products, with chunks of 2 (chunks end between
    them) and of 250 (one chunk): the inline dry run's preview, a dry-run job's preview rows and
    a real import job's results rows hold what each product's own reads gave."""
    monkeypatch.setattr("product_dashboard.importer.service.CHUNK", chunk, raising=False)
    seeded = await upload(client, editor_headers, SEED)
    assert seeded.status_code == 200, seeded.text
    before = await _shapes(engine)

    for on_error in ("skip", "abort"):  # a dry run's rows whether its errors would abort or not
        inline = await upload(client, editor_headers, MIXED, dry_run="true", on_error=on_error)
        assert inline.status_code == 200, inline.text
        assert _seen(inline.json()["preview"]) == EXPECTED
        assert inline.json()["changes"]["actions"] == {"created": 2, "updated": 1}

    monkeypatch.setattr("product_dashboard.importer.endpoints.SYNC_LIMIT", 1)
    started = await upload(client, editor_headers, MIXED, dry_run="true", on_error="skip")
    dry = await wait_job(client, editor_headers, started.json()["job_id"])
    assert dry["state"] == "completed", dry
    assert _seen(await all_results(client, editor_headers, dry["id"], "preview")) == EXPECTED
    assert dry["report"]["changes"]["actions"] == {"created": 2, "updated": 1}
    assert await _shapes(engine) == before, "a dry run changes nothing"

    started = await upload(client, editor_headers, MIXED, on_error="skip")
    done = await wait_job(client, editor_headers, started.json()["job_id"])
    assert done["state"] == "completed", done
    report = done["report"]
    assert (report["created"], report["updated"], report["unchanged"], report["failed"]) == (
        2,
        1,
        1,
        1,
    )
    assert _seen(await all_results(client, editor_headers, done["id"], "done")) == EXPECTED
    assert report["changes"]["actions"] == {"created": 2, "updated": 1}
    after = await _shapes(engine)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        stored = list(
            await session.scalars(
                select(JobResult)
                .where(JobResult.job_id == done["id"], JobResult.stage == ResultStage.done.value)
                .order_by(JobResult.id)
            )
        )
    assert [(r.handle, r.before, r.after) for r in stored] == [
        ("fresh", None, after["fresh"]),
        ("moved", before["moved"], after["moved"]),
        ("later", None, after["later"]),
    ]


def _parsed(text: str) -> list[Any]:
    return list(read_rows(iter(csv.reader(io.StringIO(text)))))


@pytest.mark.parametrize("dry_run", [True, False])
async def test_a_handle_written_twice_in_one_file_shows_each_writes_own_shapes(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    """The parser refuses a handle whose rows are not consecutive; a source that does not (the
    import takes any products) still gets, for each write of the product, the shape that write
    left, not the last one's, whether the repeat is in the same chunk or not."""
    products = _parsed(HEADER + "twice,Twice,Acme,T-1,1.00\nother,Other,Acme,O-1,3.00\n")
    [again] = _parsed(HEADER + "\n\ntwice,Twice,Acme,T-1,2.00\n")
    assert (again.first_row, again.errors) == (4, [])
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        session.add(Job(id="import", type="product.import", params={}))
    for chunk in (2, 250):
        monkeypatch.setattr("product_dashboard.importer.service.CHUNK", chunk, raising=False)
        recorder = ImportResults("import", dry_run=dry_run)
        report = await run_import(
            sessions,
            [*products, again],
            Actor(source=AuditSource.import_, user_id=None, email=None),
            dry_run=dry_run,
            on_error="abort",
            recorder=recorder,
        )
        assert (report.created, report.updated, report.failed) == (2, 1, 0)
        assert report.committed is not dry_run
        async with sessions() as session:
            if dry_run:
                rows = [c.model_dump(mode="json") for c in recorder.kept]
            else:
                stored = list(
                    await session.scalars(
                        select(JobResult).where(JobResult.job_id == "import").order_by(JobResult.id)
                    )
                )
                rows = [
                    {"action": r.action, "handle": r.handle, "row": r.row, "changes": r.changes}
                    for r in stored
                ]
                first, _, second = (r.after for r in stored)
                assert first is not None and second is not None and stored[2].before == first
                assert [v["price"] for v in first["variants"]] == ["1.00"]
                assert [v["price"] for v in second["variants"]] == ["2.00"]
                await session.execute(delete(JobResult))
                await session.execute(delete(Product))
                await session.commit()
        created, other, updated = _seen(rows)
        assert created == ("created", "twice", 2, _created("twice", "Twice", "T-1", "1.00")), chunk
        assert other[:3] == ("created", "other", 3)
        assert updated == (
            "updated",
            "twice",
            4,
            {("variants[Default Title].price", "1.00", "2.00")},
        ), chunk
