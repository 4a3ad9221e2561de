"""A push's preview (dry run) against what the push then does, and its results files."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job import JobRunner
from product_dashboard.models import JobState, ProductVariant
from tests.job.helpers import wait_for_state
from tests.sync.conftest import Emulator, bump_versions, seed

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def start_push(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> str:
    response = await client.post("/api/sync/parallel/start", json=body, headers=headers)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def all_results(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str, stage: str
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        response = await client.get(
            f"/api/jobs/{job_id}/results",
            params={"stage": stage, "page": page, "per_page": 3},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        rows.extend(body["items"])
        if len(rows) >= body["total"]:
            return rows
        page += 1


async def edit_catalog(
    app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    headers: dict[str, str],
    ids: list[int],
) -> None:
    """Prices up on two products, a title on one, one deleted, one new product."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(ProductVariant)
            .where(ProductVariant.product_id.in_(ids[:2]))
            .values(price_cents=ProductVariant.price_cents + 250)
        )
    await bump_versions(sessionmaker, ids[:2])
    await bump_versions(sessionmaker, [ids[2]], title="Renamed in the dashboard")
    deleted = await client.delete(f"/api/products/{ids[3]}", headers=headers)
    assert deleted.status_code == 204, deleted.text
    await seed(app, 1, seed_value=7)


async def test_preview_equals_what_the_push_then_does_field_for_field(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    ids = await seed(app, 6)
    first = await start_push(client, editor_headers, mode="batch")
    await wait_for_state(sessionmaker, first, JobState.completed)
    await edit_catalog(app, client, sessionmaker, editor_headers, ids)
    graphql_before = emulator.stats()["graphql_requests"]

    preview_id = await start_push(client, editor_headers, mode="batch", dry_run=True)
    preview_job = await wait_for_state(sessionmaker, preview_id, JobState.completed)
    assert emulator.stats()["graphql_requests"] == graphql_before, "a preview asks Shopify nothing"
    preview = await all_results(client, editor_headers, preview_id, "preview")
    assert await all_results(client, editor_headers, preview_id, "done") == []
    by_action = sorted((row["action"], row["product_id"]) for row in preview)
    assert [a for a, _ in by_action] == ["created", "deleted", "updated", "updated", "updated"]
    renamed = next(row for row in preview if row["product_id"] == ids[2])
    assert [(c["path"], c["new"]) for c in renamed["changes"]] == [
        ("title", "Renamed in the dashboard")
    ]
    repriced = next(row for row in preview if row["product_id"] == ids[0])
    assert {c["field"] for c in repriced["changes"]} == {"variants.price"}
    assert all(float(c["new"]) == pytest.approx(float(c["old"]) + 2.5) for c in repriced["changes"])
    counts = preview_job.report["preview"]["counts"]
    assert counts["actions"] == {"created": 1, "deleted": 1, "updated": 3}
    assert counts["fields"]["title"] == {"changed": 1}

    push_id = await start_push(client, editor_headers, mode="batch")
    await wait_for_state(sessionmaker, push_id, JobState.completed)
    done = await all_results(client, editor_headers, push_id, "done")

    def by_product(rows: list[dict[str, Any]]) -> dict[Any, tuple[str, list[Any]]]:
        return {row["product_id"]: (row["action"], row["changes"]) for row in rows}

    assert by_product(done) == by_product(preview)
    created = next(row for row in done if row["action"] == "created")
    assert created["shopify_product_id"] and all(created["shopify_variant_ids"])

    summary = await client.get(f"/api/jobs/{push_id}/results/summary", headers=editor_headers)
    assert summary.json()["counts"] == counts


async def test_results_files_have_one_row_per_product_with_changes_and_errors(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    ids = await seed(app, 3)
    await bump_versions(sessionmaker, [ids[0]], title="=HYPERLINK(1)")
    job_id = await start_push(client, editor_headers, mode="sequential")
    await wait_for_state(sessionmaker, job_id, JobState.completed)

    csv_file = await client.get(f"/api/jobs/{job_id}/results.csv", headers=editor_headers)
    assert csv_file.status_code == 200
    assert csv_file.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_file.text)))
    assert sorted(int(r["product_id"]) for r in rows) == ids
    assert {r["action"] for r in rows} == {"created"}
    first = next(r for r in rows if int(r["product_id"]) == ids[0])
    assert "title: (none) → =HYPERLINK(1)" in first["changes"].splitlines()
    assert first["shopify_product_id"].startswith("gid://shopify/Product/")

    jsonl = await client.get(f"/api/jobs/{job_id}/results.jsonl", headers=editor_headers)
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [line["product_id"] for line in lines] == [int(r["product_id"]) for r in rows]
    assert {"title", "handle", "vendor"} <= {c["path"] for c in lines[0]["changes"]}

    # A product Shopify refuses is a row with its error and reason.
    await bump_versions(sessionmaker, [ids[1]], title="")
    failing = await start_push(client, editor_headers, mode="sequential")
    await wait_for_state(sessionmaker, failing, JobState.completed)
    rows = await all_results(client, editor_headers, failing, "done")
    assert [(r["product_id"], r["action"]) for r in rows] == [(ids[1], "failed")]
    assert rows[0]["error"]
