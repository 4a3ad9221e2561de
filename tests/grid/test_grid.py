from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from product_dashboard.demo import seed_demo_catalog
from product_dashboard.models import ProductVariant
from tests.batch.helpers import fetch, priced_product, wait_job
from tests.product.factories import create_product

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]


async def _rows(client: httpx.AsyncClient, headers: Headers, **query: Any) -> dict[str, Any]:
    r = await client.get("/api/products/grid", params=query, headers=headers)
    assert r.status_code == 200, r.text
    page: dict[str, Any] = r.json()
    return page


async def test_columns_are_the_registry(client: httpx.AsyncClient, viewer_headers: Headers) -> None:
    r = await client.get("/api/products/grid/columns", headers=viewer_headers)
    assert r.status_code == 200
    columns = {c["key"]: c for c in r.json()}
    assert {"price", "compare_at_price", "sku", "barcode", "inventory_quantity"} <= set(columns)
    assert {"weight_grams", "tags", "vendor", "product_type", "status"} <= set(columns)
    assert columns["status"]["choices"] == ["active", "draft", "archived"]
    assert columns["tags"]["level"] == "product" and columns["price"]["level"] == "variant"


async def test_rows_page_the_variants_of_the_filter_in_order(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    a = await priced_product(client, editor_headers, "Alpha", "1.00", "2.00", vendor="Acme")
    b = await priced_product(client, editor_headers, "Beta", "3.00", vendor="Acme", tags=["x"])
    await priced_product(client, editor_headers, "Gamma", "4.00", vendor="Other")

    page = await _rows(
        client, editor_headers, vendor="acme", sort="title", columns="price,tags,vendor"
    )
    assert page["total"] == 3 and page["offset"] == 0
    assert [(r["product_id"], r["values"]["price"]) for r in page["rows"]] == [
        (a["id"], "1.00"),
        (a["id"], "2.00"),
        (b["id"], "3.00"),
    ]
    assert page["rows"][2]["values"] == {"price": "3.00", "tags": "x", "vendor": "Acme"}
    assert page["rows"][0]["version"] == a["version"]

    second = await _rows(client, editor_headers, vendor="Acme", sort="title", offset=1, limit=1)
    assert second["total"] == 3
    assert [r["variant_id"] for r in second["rows"]] == [page["rows"][1]["variant_id"]]
    assert set(second["rows"][0]["values"]) == {
        "price",
        "compare_at_price",
        "sku",
        "inventory_quantity",
        "status",
    }

    r = await client.get("/api/products/grid?columns=price,nope", headers=editor_headers)
    assert r.status_code == 422 and "nope" in r.json()["detail"]


async def test_cells_batch_previews_applies_audits_and_undoes(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers, title="Tee")
    small, medium = product["variants"]
    cells = [
        {"product_id": product["id"], "variant_id": small["id"], "field": "price", "value": 9.5},
        {
            "product_id": product["id"],
            "variant_id": medium["id"],
            "field": "sku",
            "value": "NEW-SKU",
        },
        {"product_id": product["id"], "variant_id": small["id"], "field": "tags", "value": "a, B"},
        {
            "product_id": product["id"],
            "variant_id": small["id"],
            "field": "inventory_quantity",
            "value": small["inventory_quantity"],  # unchanged: not staged
        },
    ]
    for cell in cells:
        cell["version"] = product["version"]

    r = await client.post(
        "/api/products/batch/update-cells",
        json={"cells": cells, "dry_run": True},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    preview = r.json()
    assert (preview["matched"], preview["changed"], preview["state"]) == (1, 1, "preview")
    assert preview["sample"][0]["after"] == {
        "tags": "a, B",
        "variants": [
            {"id": small["id"], "price": "9.50"},
            {"id": medium["id"], "sku": "NEW-SKU"},
        ],
    }
    assert (await fetch(client, editor_headers, product["id"]))["version"] == product["version"]

    r = await client.post(
        "/api/products/batch/update-cells", json={"cells": cells}, headers=editor_headers
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["kind"] == "cells" and result["changed"] == 1
    after = await fetch(client, editor_headers, product["id"])
    assert after["version"] == product["version"] + 1
    assert [v["price"] for v in after["variants"]] == ["9.50", medium["price"]]
    assert [v["sku"] for v in after["variants"]] == [small["sku"], "NEW-SKU"]
    assert after["tags"] == ["a", "B"]
    assert after["price_min"] == "9.50"
    listed = await client.get("/api/products", params={"q": "NEW-SKU"}, headers=editor_headers)
    assert [p["id"] for p in listed.json()["items"]] == [product["id"]]

    history = await client.get(f"/api/products/{product['id']}/history", headers=editor_headers)
    event = history.json()["items"][0]
    assert event["batch_id"] == result["batch_id"] and event["source"] == "batch"
    assert event["before"]["tags"] == "cotton, summer" and event["after"]["tags"] == "a, B"

    r = await client.post(f"/api/products/batch/{result['batch_id']}/undo", headers=editor_headers)
    assert r.status_code == 200, r.text
    assert r.json()["reverted"] == 1
    undone = await fetch(client, editor_headers, product["id"])
    assert undone["version"] == product["version"] + 2
    assert [v["price"] for v in undone["variants"]] == [small["price"], medium["price"]]
    assert [v["sku"] for v in undone["variants"]] == [small["sku"], medium["sku"]]
    assert undone["tags"] == product["tags"] and undone["price_min"] == product["price_min"]


async def test_bad_cells_are_named_and_nothing_is_written(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await priced_product(client, editor_headers, "P", "5.00", "6.00")
    first, second = product["variants"]
    cells = [
        {"product_id": product["id"], "variant_id": first["id"], "field": "price", "value": "7"},
        {"product_id": product["id"], "variant_id": second["id"], "field": "price", "value": "x"},
        {"product_id": product["id"], "variant_id": first["id"], "field": "status", "value": "?"},
        {"product_id": product["id"], "variant_id": 999_999, "field": "sku", "value": "S"},
        {"product_id": product["id"], "variant_id": first["id"], "field": "sku", "value": "a\x00"},
    ]
    r = await client.post(
        "/api/products/batch/update-cells", json={"cells": cells}, headers=editor_headers
    )
    assert r.status_code == 422, r.text
    errors = {(f["loc"][2], f["field"]): f["msg"] for f in r.json()["fields"]}
    assert set(errors) == {(1, "price"), (2, "status"), (3, "sku"), (4, "sku")}
    assert "NUL" in errors[(4, "sku")]
    assert "amount" in errors[(1, "price")] and "active" in errors[(2, "status")]
    assert (await fetch(client, editor_headers, product["id"]))["version"] == product["version"]


async def test_stale_cells_are_refused(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    product = await priced_product(client, editor_headers, "P", "5.00")
    await client.put(f"/api/products/{product['id']}", json={"title": "Q"}, headers=editor_headers)
    cell = {
        "product_id": product["id"],
        "variant_id": product["variants"][0]["id"],
        "field": "price",
        "value": "8.00",
        "version": product["version"],
    }
    r = await client.post(
        "/api/products/batch/update-cells", json={"cells": [cell]}, headers=editor_headers
    )
    assert r.status_code == 409 and r.json()["product_ids"] == [product["id"]]
    assert (await fetch(client, editor_headers, product["id"]))["variants"][0]["price"] == "5.00"


async def test_viewer_cannot_save_cells(
    client: httpx.AsyncClient, editor_headers: Headers, viewer_headers: Headers
) -> None:
    product = await priced_product(client, editor_headers, "P", "5.00")
    cell = {"product_id": product["id"], "field": "status", "value": "archived"}
    r = await client.post(
        "/api/products/batch/update-cells", json={"cells": [cell]}, headers=viewer_headers
    )
    assert r.status_code == 403


@pytest.mark.slow
async def test_a_large_save_runs_as_a_job_and_undoes(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    from product_dashboard.batch.schemas import SYNC_LIMIT

    # Only how many products the save names matters here: the demo seeder writes them in one
    # statement per table (1,001 creates over the API took most of this test's time).
    report = await seed_demo_catalog(app.state.engine, SYNC_LIMIT + 1, seed=9)
    ids = range(report.first_product_id, report.first_product_id + SYNC_LIMIT + 1)
    async with app.state.sessionmaker() as session:
        first_variants = dict(
            (
                await session.execute(
                    select(ProductVariant.product_id, func.min(ProductVariant.id)).group_by(
                        ProductVariant.product_id
                    )
                )
            ).all()
        )
    assert sorted(first_variants) == list(ids)
    cells = [
        {"product_id": p, "variant_id": v, "field": "price", "value": "6543.21"}
        for p, v in first_variants.items()
    ]
    before = await fetch(client, editor_headers, ids[-1])
    assert before["variants"][0]["id"] == first_variants[ids[-1]]
    assert before["variants"][0]["price"] != "6543.21"
    r = await client.post(
        "/api/products/batch/update-cells", json={"cells": cells}, headers=editor_headers
    )
    assert r.status_code == 202, r.text
    job = await wait_job(client, editor_headers, r.json()["job_id"])
    assert job["state"] == "completed", job
    last = await fetch(client, editor_headers, ids[-1])
    assert last["variants"][0]["price"] == "6543.21"

    batch_id = r.json()["batch_id"]
    r = await client.post(f"/api/products/batch/{batch_id}/undo", headers=editor_headers)
    assert r.status_code == 202, r.text
    job = await wait_job(client, editor_headers, r.json()["job_id"])
    assert job["state"] == "completed", job
    last = await fetch(client, editor_headers, ids[-1])
    assert last["variants"][0]["price"] == before["variants"][0]["price"]
