"""Every real import can be undone, also one answered in the request (up to 1,000 rows): it is
recorded as a completed job with its results rows, in the import's own transaction. The case a
merchant meets: a Shopify CSV filtered down to the one row whose price changed deletes the
product's other variants (the rows are its whole variant list, as in Shopify's import); the dry
run says so and the undo brings them back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.batch.helpers import wait_job
from tests.importer.test_import import Headers, all_products, comparable, upload

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

HEADER = "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price\n"
SEED = (
    HEADER.replace(
        "\n", ",Variant Grams,Variant Weight Unit,Variant Barcode,Variant Inventory Qty\n"
    )
    + "tee,Tee,Size,S,TEE-S,10.00,200,g,0001,5\n"
    + "tee,,Size,M,TEE-M,11.00,250.5,g,0002,7\n"
    + "tee,,Size,L,TEE-L,12.00,453.59237,lb,0003,0\n"
)
ONE_ROW = HEADER + "tee,Tee,Size,S,TEE-S,9.50\n"


async def _undo(client: httpx.AsyncClient, headers: Headers, job_id: str, **body: Any) -> Any:
    r = await client.post(f"/api/jobs/{job_id}/undo", json=body, headers=headers)
    assert r.status_code == 202, r.text
    return await wait_job(client, headers, r.json()["job_id"])


async def _import_jobs(client: httpx.AsyncClient, headers: Headers) -> list[dict[str, Any]]:
    r = await client.get("/api/jobs?type=product.import", headers=headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_an_import_answered_in_the_request_is_a_job_that_can_be_undone(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    seeded = await upload(client, editor_headers, SEED)
    assert seeded.status_code == 200, seeded.text
    (before,) = await all_products(client, editor_headers)

    dry = await upload(client, editor_headers, ONE_ROW, dry_run="true")
    assert dry.status_code == 200, dry.text
    (row,) = dry.json()["preview"]
    paths = {(c["path"], c["kind"]) for c in row["changes"]}
    assert ("variants[M]", "removed") in paths and ("variants[L]", "removed") in paths, paths
    assert "job_id" not in dry.json(), "a dry run is no job to undo"

    done = await upload(client, editor_headers, ONE_ROW)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["updated"] == 1 and body["changes"]["actions"] == {"updated": 1}
    (after,) = await all_products(client, editor_headers)
    assert [(v["sku"], v["price"]) for v in after["variants"]] == [("TEE-S", "9.50")]

    job = await wait_job(client, editor_headers, body["job_id"])
    assert job["type"] == "product.import" and job["state"] == "completed", job
    assert job["report"]["updated"] == 1 and job["report"]["changes"]["actions"] == {"updated": 1}
    url = f"/api/jobs/{body['job_id']}/results?stage=done"
    results = await client.get(url, headers=editor_headers)
    assert [r["handle"] for r in results.json()["items"]] == ["tee"]

    preview = await _undo(client, editor_headers, body["job_id"], dry_run=True)
    assert preview["state"] == "completed" and preview["report"]["restored_products"] == 1
    (still,) = await all_products(client, editor_headers)
    assert comparable(still) == comparable(after), "an undo preview changes nothing"

    undone = await _undo(client, editor_headers, body["job_id"], dry_run=False)
    assert undone["state"] == "completed", undone
    assert undone["report"]["not_restored_count"] == 0, undone["report"]
    (restored,) = await all_products(client, editor_headers)
    assert [(v["sku"], v["price"]) for v in restored["variants"]] == [
        ("TEE-S", "10.00"),
        ("TEE-M", "11.00"),
        ("TEE-L", "12.00"),
    ]
    # Each variant the import removed comes back whole: its stock (by option values and
    # location: the variant made again has a new id), its fractional weight and unit too.
    assert [v["inventory_quantity"] for v in restored["variants"]] == [5, 7, 0]
    # Its kept CSV columns too (here the CSV's own grams text): the results' shapes hold them.
    assert comparable(restored)["variants"] == comparable(before)["variants"]
    assert [v["extra_columns"] for v in restored["variants"]] == [
        {"grams": "200", "weight_unit": "g"},
        {"grams": "250.5", "weight_unit": "g"},
        {"grams": "453.59237", "weight_unit": "lb"},
    ]
    assert [(v["weight_value"], v["weight_unit"]) for v in restored["variants"]] == [
        ("200", "GRAMS"),
        ("250.5", "GRAMS"),
        ("1", "POUNDS"),
    ]


async def test_an_import_that_wrote_nothing_leaves_no_job(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    assert (await upload(client, editor_headers, SEED)).status_code == 200
    jobs = len(await _import_jobs(client, editor_headers))

    again = await upload(client, editor_headers, SEED)  # unchanged
    assert again.status_code == 200 and "job_id" not in again.json(), again.text
    refused = await upload(client, editor_headers, HEADER + "tee,Tee,Size,S,TEE-S,ten\n")
    assert refused.status_code == 422, refused.text  # aborted: rolled back with its job row
    assert len(await _import_jobs(client, editor_headers)) == jobs
