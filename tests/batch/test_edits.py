from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.batch import engine as batch_engine
from product_dashboard.models import AuditEvent, AuditSource, Product
from tests.batch.helpers import fetch, priced_product, prices, wait_job

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]


async def test_status_batch_changes_only_what_differs_and_undoes(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    a = await priced_product(client, editor_headers, "A", "10.00", status="draft")
    b = await priced_product(client, editor_headers, "B", "10.00", status="active")
    r = await client.post(
        "/api/products/batch/update-status",
        json={"product_ids": [a["id"], b["id"]], "status": "active"},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["matched"], result["changed"], result["unchanged"]) == (2, 1, 1)
    assert result["state"] == "completed" and result["dry_run"] is False
    after_a, after_b = (
        await fetch(client, editor_headers, a["id"]),
        await fetch(client, editor_headers, b["id"]),
    )
    assert after_a["status"] == "active" and after_a["version"] == a["version"] + 1
    assert after_b["version"] == b["version"]  # unchanged products keep their version
    history = (await client.get(f"/api/products/{a['id']}/history", headers=editor_headers)).json()
    event = history["items"][0]
    assert event["batch_id"] == result["batch_id"] and event["source"] == "batch"
    assert event["before"] == {"status": "draft"} and event["after"] == {"status": "active"}

    r = await client.post(f"/api/products/batch/{result['batch_id']}/undo", headers=editor_headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "batch_id": result["batch_id"],
        "state": "undone",
        "reverted": 1,
        "job_id": None,
    }
    undone = await fetch(client, editor_headers, a["id"])
    assert undone["status"] == "draft" and undone["version"] == a["version"] + 2
    r = await client.post(f"/api/products/batch/{result['batch_id']}/undo", headers=editor_headers)
    assert r.status_code == 409


async def test_undo_refused_when_a_product_changed_since(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    a = await priced_product(client, editor_headers, "A", "10.00", status="draft")
    b = await priced_product(client, editor_headers, "B", "12.00", status="draft")
    r = await client.post(
        "/api/products/batch/update-status",
        json={"product_ids": [a["id"], b["id"]], "status": "archived"},
        headers=editor_headers,
    )
    batch_id = r.json()["batch_id"]
    await client.put(f"/api/products/{b['id']}", json={"title": "B2"}, headers=editor_headers)
    r = await client.post(f"/api/products/batch/{batch_id}/undo", headers=editor_headers)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "conflict" and body["product_ids"] == [b["id"]]
    assert body["changed_count"] == 1 and str(b["id"]) in body["detail"]
    # Nothing was reverted, not even the product that did not move.
    assert (await fetch(client, editor_headers, a["id"]))["status"] == "archived"
    batch = (await client.get(f"/api/products/batch/{batch_id}", headers=editor_headers)).json()
    assert batch["state"] == "completed"


async def test_dry_run_counts_and_samples_without_writing(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    a = await priced_product(client, editor_headers, "A", "10.00", "20.00", vendor="Acme")
    await priced_product(client, editor_headers, "B", "5.00", vendor="Other")
    body = {
        "filter": {"vendor": "Acme"},
        "dry_run": True,
        "pricing": {"operation": "increase", "percent": "10", "rounding": {"ending": ".99"}},
    }
    r = await client.post("/api/products/batch/update-pricing", json=body, headers=editor_headers)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["dry_run"] is True and result["batch_id"] is None
    assert (result["matched"], result["changed"]) == (1, 1)
    sample = result["sample"][0]
    assert sample["product_id"] == a["id"]
    assert [v["price"] for v in sample["before"]["variants"]] == ["10.00", "20.00"]
    assert [v["price"] for v in sample["after"]["variants"]] == ["10.99", "21.99"]
    assert await prices(client, editor_headers, a["id"]) == ["10.00", "20.00"]
    batches = (await client.get("/api/products/batch", headers=editor_headers)).json()
    assert batches["total"] == 0


@pytest.mark.parametrize(
    ("pricing", "before", "after"),
    [
        ({"operation": "set", "amount": "15"}, ["10.00", "20.00"], ["15.00", "15.00"]),
        ({"operation": "increase", "amount": "2.50"}, ["10.00", "0.00"], ["12.50", "2.50"]),
        ({"operation": "decrease", "percent": "25"}, ["10.00", "0.99"], ["7.50", "0.74"]),
        ({"operation": "increase", "percent": "12.5"}, ["10.00", "0.05"], ["11.25", "0.06"]),
        (
            {"operation": "increase", "percent": "10", "rounding": {"ending": ".99"}},
            ["18.20", "20.37"],
            ["19.99", "21.99"],
        ),
        (
            {"operation": "set", "amount": "20.37", "rounding": {"ending": ".99"}},
            ["1.00"],
            ["19.99"],
        ),
        (
            {
                "operation": "set",
                "amount": "20.37",
                "rounding": {"ending": "95", "direction": "up"},
            },
            ["1.00"],
            ["20.95"],
        ),
        (
            {
                "operation": "set",
                "amount": "20.37",
                "rounding": {"ending": ".00", "direction": "down"},
            },
            ["1.00"],
            ["20.00"],
        ),
        (
            {"operation": "decrease", "amount": "5", "floor": "3.00"},
            ["10.00", "6.00"],
            ["5.00", "3.00"],
        ),
        (
            {
                "operation": "set",
                "amount": "0.50",
                "rounding": {"ending": ".99", "direction": "down"},
            },
            ["1.00"],
            ["0.99"],
        ),
    ],
)
async def test_pricing_arithmetic(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    pricing: dict[str, object],
    before: list[str],
    after: list[str],
) -> None:
    product = await priced_product(client, editor_headers, "P", *before)
    r = await client.post(
        "/api/products/batch/update-pricing",
        json={"product_ids": [product["id"]], "pricing": pricing},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    fresh = await fetch(client, editor_headers, product["id"])
    assert [v["price"] for v in fresh["variants"]] == after
    numbers = sorted(after, key=float)
    assert (fresh["price_min"], fresh["price_max"]) == (numbers[0], numbers[-1])


async def test_sale_sets_compare_at_and_undo_restores_prices(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await priced_product(client, editor_headers, "P", "40.00", "10.00")
    r = await client.post(
        "/api/products/batch/update-pricing",
        json={
            "product_ids": [product["id"]],
            "pricing": {
                "operation": "decrease",
                "percent": "20",
                "compare_at": "from_old_price",
                "floor": "10.00",
            },
        },
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    fresh = await fetch(client, editor_headers, product["id"])
    assert [(v["price"], v["compare_at_price"]) for v in fresh["variants"]] == [
        ("32.00", "40.00"),
        ("10.00", None),  # held by the floor: not lowered, so no sale price either
    ]
    history = (
        await client.get(f"/api/products/{product['id']}/history", headers=editor_headers)
    ).json()["items"][0]
    assert [v["price"] for v in history["before"]["variants"]] == ["40.00"]
    assert history["after"]["variants"][0]["compare_at_price"] == "40.00"
    r = await client.post(
        f"/api/products/batch/{r.json()['batch_id']}/undo", headers=editor_headers
    )
    assert r.status_code == 200, r.text
    restored = await fetch(client, editor_headers, product["id"])
    assert [(v["price"], v["compare_at_price"]) for v in restored["variants"]] == [
        ("40.00", None),
        ("10.00", None),
    ]
    assert restored["price_max"] == "40.00"


async def test_invalid_pricing_changes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    cheap = await priced_product(client, editor_headers, "Cheap", "3.00")
    dear = await priced_product(client, editor_headers, "Dear", "30.00")
    r = await client.post(
        "/api/products/batch/update-pricing",
        json={
            "product_ids": [cheap["id"], dear["id"]],
            "pricing": {"operation": "decrease", "amount": "5"},
        },
        headers=editor_headers,
    )
    assert r.status_code == 422, r.text
    assert r.json()["fields"][0]["product_ids"] == [cheap["id"]]
    assert await prices(client, editor_headers, dear["id"]) == ["30.00"]
    for bad in (
        {"operation": "increase"},
        {"operation": "set", "percent": "5"},
        {"operation": "decrease", "percent": "150"},
        {"operation": "set", "amount": "1", "rounding": {"ending": ".9"}},
    ):
        r = await client.post(
            "/api/products/batch/update-pricing",
            json={"product_ids": [dear["id"]], "pricing": bad},
            headers=editor_headers,
        )
        assert r.status_code == 422, bad


async def test_category_batch_and_undo(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    p = await priced_product(client, editor_headers, "P", "1.00")
    category = {
        "id": "gid://shopify/TaxonomyCategory/aa-1-13-8",
        "name": "Apparel & Accessories > Clothing > Clothing Tops > T-Shirts",
    }
    r = await client.post(
        "/api/products/batch/update-category",
        json={"product_ids": [p["id"]], "category": category},
        headers=editor_headers,
    )
    assert r.status_code == 200 and r.json()["changed"] == 1
    assert (await fetch(client, editor_headers, p["id"]))["category"] == category
    event = (await client.get(f"/api/products/{p['id']}/history", headers=editor_headers)).json()
    assert event["items"][0]["before"] == {"category": None}
    assert event["items"][0]["after"] == {"category": category}
    r = await client.post(
        "/api/products/batch/update-category",
        json={"product_ids": [p["id"]], "category": {"name": "Free text"}},
        headers=editor_headers,
    )
    assert (await fetch(client, editor_headers, p["id"]))["category"] == {
        "id": None,
        "name": "Free text",
    }
    await client.post(f"/api/products/batch/{r.json()['batch_id']}/undo", headers=editor_headers)
    assert (await fetch(client, editor_headers, p["id"]))["category"] == category
    r = await client.post(
        "/api/products/batch/update-category",
        json={"product_ids": [p["id"]], "category": {"id": "aa-1", "name": "x"}},
        headers=editor_headers,
    )
    assert r.status_code == 422


async def test_delete_batch_and_undo(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    a = await priced_product(client, editor_headers, "Alpha", "1.00")
    b = await priced_product(client, editor_headers, "Beta", "1.00")
    r = await client.request(
        "DELETE",
        "/api/products/batch/delete",
        json={"filter": {"q": "alpha"}},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == 1
    assert (await client.get(f"/api/products/{a['id']}", headers=editor_headers)).status_code == 404
    listed = (await client.get("/api/products", headers=editor_headers)).json()
    assert [p["id"] for p in listed["items"]] == [b["id"]]
    r = await client.post(
        f"/api/products/batch/{r.json()['batch_id']}/undo", headers=editor_headers
    )
    assert r.status_code == 200, r.text
    back = await fetch(client, editor_headers, a["id"])
    assert back["handle"] == "alpha" and back["version"] == a["version"] + 2


async def test_delete_undo_blocked_by_reused_handle(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    a = await priced_product(client, editor_headers, "Alpha", "1.00")
    r = await client.request(
        "DELETE",
        "/api/products/batch/delete",
        json={"product_ids": [a["id"]]},
        headers=editor_headers,
    )
    batch_id = r.json()["batch_id"]
    await priced_product(client, editor_headers, "Alpha", "2.00")  # takes the handle "alpha"
    r = await client.post(f"/api/products/batch/{batch_id}/undo", headers=editor_headers)
    assert r.status_code == 409 and r.json()["product_ids"] == [a["id"]]


async def test_add_to_collection_batch_and_undo(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    a = await priced_product(client, editor_headers, "A", "1.00", product_type="Hats")
    b = await priced_product(client, editor_headers, "B", "1.00", product_type="Hats")
    c = await priced_product(client, editor_headers, "C", "1.00", product_type="Caps")
    collection = (
        await client.post(
            "/api/collections",
            json={"title": "Picks", "product_ids": [b["id"]]},
            headers=editor_headers,
        )
    ).json()
    r = await client.post(
        "/api/products/batch/add-to-collection",
        json={"filter": {"product_type": "Hats"}, "collection_id": collection["id"]},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["matched"], r.json()["changed"]) == (2, 1)
    url = f"/api/collections/{collection['id']}/products"
    members = [p["id"] for p in (await client.get(url, headers=editor_headers)).json()["items"]]
    assert members == [b["id"], a["id"]]
    # The product list's collection filter selects the same members.
    r2 = await client.post(
        "/api/products/batch/update-status",
        json={"filter": {"collection_id": collection["id"]}, "status": "archived", "dry_run": True},
        headers=editor_headers,
    )
    assert r2.json()["matched"] == 2
    r = await client.post(
        f"/api/products/batch/{r.json()['batch_id']}/undo", headers=editor_headers
    )
    assert r.status_code == 200 and r.json()["reverted"] == 1
    members = [p["id"] for p in (await client.get(url, headers=editor_headers)).json()["items"]]
    assert members == [b["id"]]
    smart = (
        await client.post(
            "/api/collections",
            json={
                "title": "S",
                "rules": [{"column": "TYPE", "relation": "EQUALS", "condition": "x"}],
            },
            headers=editor_headers,
        )
    ).json()
    r = await client.post(
        "/api/products/batch/add-to-collection",
        json={"product_ids": [c["id"]], "collection_id": smart["id"]},
        headers=editor_headers,
    )
    assert r.status_code == 409


async def test_selection_and_permission_errors(
    client: httpx.AsyncClient, editor_headers: Headers, viewer_headers: Headers
) -> None:
    p = await priced_product(client, editor_headers, "P", "1.00")
    for body in (
        {"status": "active"},
        {"status": "active", "product_ids": [p["id"]], "filter": {}},
        {"status": "active", "filter": {"nope": 1}},
        {"status": "bogus", "product_ids": [p["id"]]},
    ):
        r = await client.post(
            "/api/products/batch/update-status", json=body, headers=editor_headers
        )
        assert r.status_code == 422, body
    r = await client.post(
        "/api/products/batch/update-status",
        json={"status": "active", "product_ids": [p["id"]]},
        headers=viewer_headers,
    )
    assert r.status_code == 403
    r = await client.post("/api/products/batch/nope/undo", headers=editor_headers)
    assert r.status_code == 404


async def test_large_batch_runs_as_job_and_undo_too(
    client: httpx.AsyncClient, editor_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("product_dashboard.batch.endpoints.SYNC_LIMIT", 2)
    products = [await priced_product(client, editor_headers, f"P{i}", "10.00") for i in range(3)]
    r = await client.post(
        "/api/products/batch/update-pricing",
        json={"filter": {}, "pricing": {"operation": "increase", "amount": "1"}},
        headers=editor_headers,
    )
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["state"] == "queued" and accepted["matched"] == 3
    job = await wait_job(client, editor_headers, accepted["job_id"])
    assert job["state"] == "completed", job
    assert job["report"]["changed"] == 3 and job["progress"]["done"] == 3
    batch = (
        await client.get(f"/api/products/batch/{accepted['batch_id']}", headers=editor_headers)
    ).json()
    assert batch["state"] == "completed" and batch["changed"] == 3
    for product in products:
        assert await prices(client, editor_headers, product["id"]) == ["11.00"]
    r = await client.post(
        f"/api/products/batch/{accepted['batch_id']}/undo", headers=editor_headers
    )
    assert r.status_code == 202 and r.json()["state"] == "undoing"
    job = await wait_job(client, editor_headers, r.json()["job_id"])
    assert job["state"] == "completed" and job["report"]["reverted"] == 3
    for product in products:
        assert await prices(client, editor_headers, product["id"]) == ["10.00"]


async def test_large_batch_audit_is_compact_per_product_plus_one_batch_event(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Above the detail limit (10k products in production) each product gets a compact row.
    monkeypatch.setattr("product_dashboard.batch.engine.AUDIT_DETAIL_LIMIT", 1)
    a = await priced_product(client, editor_headers, "A", "10.00", "30.00")
    b = await priced_product(client, editor_headers, "B", "20.00")
    unchanged = await priced_product(client, editor_headers, "C", "5.00")
    r = await client.post(
        "/api/products/batch/update-pricing",
        json={
            "product_ids": [a["id"], b["id"], unchanged["id"]],
            "pricing": {"operation": "increase", "percent": "10", "floor": "5.00"},
        },
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    batch_id = r.json()["batch_id"]
    assert (r.json()["matched"], r.json()["changed"]) == (3, 3)
    fresh = await fetch(client, editor_headers, a["id"])
    assert (fresh["price_min"], fresh["price_max"]) == ("11.00", "33.00")
    for product in (a, b):
        history = (
            await client.get(f"/api/products/{product['id']}/history", headers=editor_headers)
        ).json()["items"]
        assert history[0]["batch_id"] == batch_id
        assert history[0]["after"] == {"batch_kind": "pricing"}
    r = await client.post(f"/api/products/batch/{batch_id}/undo", headers=editor_headers)
    assert r.status_code == 200 and r.json()["reverted"] == 3, r.text
    restored = await fetch(client, editor_headers, a["id"])
    assert (restored["price_min"], restored["price_max"]) == ("10.00", "30.00")
    history = (await client.get(f"/api/products/{a['id']}/history", headers=editor_headers)).json()[
        "items"
    ]
    assert history[0]["action"] == "batch_undo" and history[0]["batch_id"] == batch_id
    async with sessionmaker() as session:
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_type == "product_batch", AuditEvent.entity_id == batch_id)
                .order_by(AuditEvent.id)
            )
        ).all()
    assert [(e.action, e.after and e.after.get("changed")) for e in events] == [
        ("pricing", 3),
        ("batch_undo", None),
    ]
    assert events[1].after is not None and events[1].after["reverted"] == 3
    assert events[0].after is not None and events[0].after["params"]["pricing"]["percent"] == "10"


async def test_price_batch_leaves_products_without_a_change_alone(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    same = await priced_product(client, editor_headers, "Same", "19.99", "9.99")
    moved = await priced_product(client, editor_headers, "Moved", "20.37", "19.99")
    r = await client.post(
        "/api/products/batch/update-pricing",
        json={
            "product_ids": [same["id"], moved["id"]],
            "pricing": {"operation": "increase", "amount": "0", "rounding": {"ending": ".99"}},
        },
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["matched"], r.json()["changed"]) == (2, 1)
    assert (await fetch(client, editor_headers, same["id"]))["version"] == same["version"]
    fresh = await fetch(client, editor_headers, moved["id"])
    assert fresh["version"] == moved["version"] + 1
    assert [v["price"] for v in fresh["variants"]] == ["19.99", "19.99"]
    assert (fresh["price_min"], fresh["price_max"]) == ("19.99", "19.99")


async def test_a_batch_locks_its_products_rows_before_staging(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    """PostgreSQL: the selected rows are locked before anything is staged, so the values staged
    are the values overwritten; the locking statement also counts what matched."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's writer holds the whole database")
    chosen = await priced_product(client, editor_headers, "Chosen", "10.00")
    other = await priced_product(client, editor_headers, "Other", "10.00")
    params = {"pricing": {"operation": "increase", "amount": "1.00"}}
    actor = Actor(source=AuditSource.batch, email="batch@example.com")
    locking = select(Product.id).with_for_update(nowait=True)
    staged: list[int] = []
    async with sessionmaker() as session, sessionmaker() as probe:

        async def at_staging(step: str, fraction: float) -> None:
            if step != "staging":
                return
            assert await probe.scalar(locking.where(Product.id == other["id"])) == other["id"]
            await probe.rollback()
            with pytest.raises(DBAPIError, match="could not obtain lock"):
                await probe.scalar(locking.where(Product.id == chosen["id"]))
            await probe.rollback()
            staged.append(batch.matched)

        batch = batch_engine.new_batch("pricing", params, {"product_ids": [chosen["id"]]}, actor)
        session.add(batch)
        await batch_engine.execute(session, batch, at_staging)
        await session.commit()
    assert staged == [1]
    assert await prices(client, editor_headers, chosen["id"]) == ["11.00"]
