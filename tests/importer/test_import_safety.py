"""An import's preview (per product and row, field by field), its results and its undo."""

from __future__ import annotations

import httpx
import pytest

from tests.batch.helpers import wait_job
from tests.importer.test_import import NEW_CSV, all_products, upload
from tests.sync.test_push_preview import all_results

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]
REPRICED = NEW_CSV.replace(
    "Wool Hat,wool-hat,<b>Warm</b>,Knits", "Felt Hat,wool-hat,<b>Warm</b>,Hatters"
).replace("19.50,,7", "17.00,,7")


async def test_a_dry_run_shows_what_would_change_row_by_row(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await upload(client, editor_headers, NEW_CSV)
    response = await upload(client, editor_headers, REPRICED, dry_run="true")
    assert response.status_code == 200, response.text
    body = response.json()
    [row] = body["preview"]
    assert (row["handle"], row["row"], row["action"]) == ("wool-hat", 2, "updated")
    assert {(c["path"], c["old"], c["new"]) for c in row["changes"]} == {
        ("title", "Wool Hat", "Felt Hat"),
        ("vendor", "Knits", "Hatters"),
        ("variants[Grey].price", "19.50", "17.00"),
    }
    assert body["changes"]["fields"]["variants.price"] == {"changed": 1}
    (hat,) = await all_products(client, editor_headers)
    assert hat["title"] == "Wool Hat", "a dry run changes nothing"


async def test_undo_of_an_import_job_restores_it_and_keeps_later_edits(
    client: httpx.AsyncClient, editor_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    await upload(client, editor_headers, NEW_CSV)
    monkeypatch.setattr("product_dashboard.importer.endpoints.SYNC_LIMIT", 1)
    preview = await upload(client, editor_headers, REPRICED, dry_run="true")
    assert preview.status_code == 202, preview.text
    preview_job = await wait_job(client, editor_headers, preview.json()["job_id"])
    [planned] = await all_results(client, editor_headers, preview_job["id"], "preview")

    imported = await upload(client, editor_headers, REPRICED)
    job = await wait_job(client, editor_headers, imported.json()["job_id"])
    assert job["state"] == "completed" and job["report"]["committed"] is True
    [done] = await all_results(client, editor_headers, job["id"], "done")
    assert (done["action"], done["changes"]) == (planned["action"], planned["changes"])

    (hat,) = await all_products(client, editor_headers)
    edited = await client.put(
        f"/api/products/{hat['id']}", json={"vendor": "Edited later"}, headers=editor_headers
    )
    assert edited.status_code == 200, edited.text
    started = await client.post(f"/api/jobs/{job['id']}/undo", json={}, headers=editor_headers)
    assert started.status_code == 202, started.text
    undone = await wait_job(client, editor_headers, started.json()["job_id"])
    assert undone["state"] == "completed", undone
    assert [(n["path"], n["reason"]) for n in undone["report"]["not_restored"]] == [
        ("vendor", "changed since the job")
    ]
    (hat,) = await all_products(client, editor_headers)
    assert (hat["title"], hat["vendor"]) == ("Wool Hat", "Edited later")
    assert [v["price"] for v in hat["variants"]] == ["19.50", "19.50"]
