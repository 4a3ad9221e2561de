from __future__ import annotations

import httpx
import pytest

from tests.product.factories import create_product

pytestmark = pytest.mark.integration

Headers = dict[str, str]


async def products(client: httpx.AsyncClient, headers: Headers, n: int) -> list[int]:
    return [(await create_product(client, headers, title=f"Item {i}"))["id"] for i in range(n)]


async def member_ids(client: httpx.AsyncClient, headers: Headers, collection_id: int) -> list[int]:
    r = await client.get(f"/api/collections/{collection_id}/products", headers=headers)
    assert r.status_code == 200, r.text
    return [p["id"] for p in r.json()["items"]]


async def test_manual_collection_add_insert_remove_reorder(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    a, b, c, d = await products(client, editor_headers, 4)
    r = await client.post(
        "/api/collections",
        json={"title": "Staff Picks", "product_ids": [b, a]},
        headers=editor_headers,
    )
    assert r.status_code == 201, r.text
    collection = r.json()
    assert collection["collection_type"] == "manual" and collection["handle"] == "staff-picks"
    assert collection["products_count"] == 2 and collection["sort_order"] == "MANUAL"
    cid = collection["id"]
    assert await member_ids(client, editor_headers, cid) == [b, a]

    r = await client.post(
        f"/api/collections/{cid}/products", json={"product_ids": [c, a]}, headers=editor_headers
    )
    assert r.json() == {
        "collection_id": cid,
        "added": 1,
        "removed": 0,
        "already_present": 1,
        "products_count": 3,
    }
    r = await client.post(
        f"/api/collections/{cid}/products",
        json={"product_ids": [d], "position": 1},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    assert await member_ids(client, editor_headers, cid) == [d, b, a, c]

    # Reordering a subset swaps them among the slots they hold.
    r = await client.put(
        f"/api/collections/{cid}/products/order",
        json={"product_ids": [c, b]},
        headers=editor_headers,
    )
    assert r.status_code == 204, r.text
    assert await member_ids(client, editor_headers, cid) == [d, c, a, b]
    r = await client.put(
        f"/api/collections/{cid}/products/order",
        json={"product_ids": [a, b, c, d]},
        headers=editor_headers,
    )
    assert await member_ids(client, editor_headers, cid) == [a, b, c, d]

    r = await client.delete(f"/api/collections/{cid}/products/{b}", headers=editor_headers)
    assert r.status_code == 200 and r.json()["products_count"] == 3
    r = await client.delete(f"/api/collections/{cid}/products/{b}", headers=editor_headers)
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    detail = (await client.get(f"/api/collections/{cid}", headers=editor_headers)).json()
    assert detail["version"] == 6  # created, add, insert, reorder, reorder, remove


async def test_membership_errors(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    (a,) = await products(client, editor_headers, 1)
    manual = (
        await client.post("/api/collections", json={"title": "M"}, headers=editor_headers)
    ).json()
    r = await client.post(
        f"/api/collections/{manual['id']}/products",
        json={"product_ids": [a, 999_999]},
        headers=editor_headers,
    )
    assert r.status_code == 422 and "999999" in r.json()["detail"]
    r = await client.put(
        f"/api/collections/{manual['id']}/products/order",
        json={"product_ids": [a]},
        headers=editor_headers,
    )
    assert r.status_code == 422 and "not in collection" in r.json()["detail"]
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
    assert smart["collection_type"] == "smart"
    r = await client.post(
        f"/api/collections/{smart['id']}/products",
        json={"product_ids": [a]},
        headers=editor_headers,
    )
    assert r.status_code == 409 and "smart collection" in r.json()["detail"]
    r = await client.post(
        "/api/collections", json={"title": "S2", "collection_type": "smart"}, headers=editor_headers
    )
    assert r.status_code == 422 and r.json()["fields"][0]["loc"] == ["body", "rules"]


async def test_crud_list_filter_and_concurrency(
    client: httpx.AsyncClient, editor_headers: Headers, viewer_headers: Headers
) -> None:
    rule = {"column": "TAG", "relation": "EQUALS", "condition": "sale"}
    for title in ("Summer Sale", "Winter Sale", "Gifts"):
        body = {"title": title, "rules": [rule]} if "Sale" in title else {"title": title}
        assert (await client.post("/api/collections", json=body, headers=editor_headers)).is_success
    r = await client.get("/api/collections?q=SALE&per_page=1", headers=viewer_headers)
    page = r.json()
    assert page["total"] == 2 and page["per_page"] == 1
    assert [c["title"] for c in page["items"]] == ["Summer Sale"]
    r = await client.get("/api/collections?collection_type=manual", headers=viewer_headers)
    assert [c["title"] for c in r.json()["items"]] == ["Gifts"]
    r = await client.get("/api/collections?sort=-title", headers=viewer_headers)
    assert [c["title"] for c in r.json()["items"]] == ["Winter Sale", "Summer Sale", "Gifts"]

    gifts = r.json()["items"][2]
    r = await client.post("/api/collections", json={"title": "Gifts"}, headers=editor_headers)
    assert r.json()["handle"] == "gifts-1"
    r = await client.put(
        f"/api/collections/{gifts['id']}",
        json={"title": "Gift Ideas", "version": gifts["version"]},
        headers=editor_headers,
    )
    assert r.status_code == 200 and r.json()["version"] == gifts["version"] + 1
    r = await client.put(
        f"/api/collections/{gifts['id']}",
        json={"title": "Stale", "version": gifts["version"]},
        headers=editor_headers,
    )
    assert r.status_code == 409 and r.json()["current_version"] == gifts["version"] + 1
    r = await client.put(
        f"/api/collections/{gifts['id']}", json={"handle": "gifts-1"}, headers=editor_headers
    )
    assert r.status_code == 422
    r = await client.post("/api/collections", json={"title": "V"}, headers=viewer_headers)
    assert r.status_code == 403
    assert (
        await client.delete(f"/api/collections/{gifts['id']}", headers=editor_headers)
    ).status_code == 204
    r = await client.get(f"/api/collections/{gifts['id']}", headers=viewer_headers)
    assert r.status_code == 404


async def test_product_types_and_auto_by_type(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    for i, product_type in enumerate(["Shirts", "Shirts", "shirts", "Mugs", "Hats"]):
        await create_product(client, editor_headers, title=f"P{i}", product_type=product_type)
    r = await client.get("/api/collections/product-types", headers=editor_headers)
    counts = {i["product_type"]: i["products_count"] for i in r.json()["items"]}
    assert counts == {"Shirts": 2, "shirts": 1, "Mugs": 1, "Hats": 1}

    r = await client.post(
        "/api/collections/auto-by-type", json={"min_products": 1}, headers=editor_headers
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert len(result["created"]) == 3 and result["updated"] == []
    collections = (await client.get("/api/collections", headers=editor_headers)).json()["items"]
    by_title = {c["title"].lower(): c for c in collections}
    assert by_title["shirts"]["products_count"] == 3 and by_title["shirts"]["auto_generated"]
    assert by_title["mugs"]["rules"] == [
        {"column": "TYPE", "relation": "EQUALS", "condition": "Mugs"}
    ]
    # A rerun refreshes instead of duplicating; pruning removes types that are gone.
    hats = by_title["hats"]
    hat_product = (
        await client.get("/api/products?product_type=Hats", headers=editor_headers)
    ).json()
    await client.put(
        f"/api/products/{hat_product['items'][0]['id']}",
        json={"product_type": "Mugs"},
        headers=editor_headers,
    )
    r = await client.post(
        "/api/collections/auto-by-type", json={"prune": True}, headers=editor_headers
    )
    result = r.json()
    assert result["created"] == [] and result["deleted"] == [hats["id"]]
    assert len(result["unchanged"]) == 2
    r = await client.get("/api/collections/product-types", headers=editor_headers)
    mugs = next(i for i in r.json()["items"] if i["product_type"] == "Mugs")
    assert mugs["collection_id"] == by_title["mugs"]["id"] and mugs["products_count"] == 2


async def test_suggestions_local_provider(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    for i in range(4):
        await create_product(
            client,
            editor_headers,
            title=f"Linen Shirt {i}" if i < 3 else "Mug",
            product_type="Shirts" if i < 3 else "Mugs",
            vendor="Acme",
            tags=["linen"] if i < 2 else ["other"],
        )
    r = await client.get("/api/collections/suggestions?limit=20", headers=editor_headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    by_title = {s["title"]: s for s in items}
    assert by_title["Shirts"]["size"] == 3 and by_title["Shirts"]["source"] == "local"
    assert by_title["Shirts"]["rules"] == [
        {"column": "TYPE", "relation": "EQUALS", "condition": "Shirts"}
    ]
    assert by_title["Linen"]["size"] == 2  # the tag
    assert "Acme" not in by_title  # every product: not a useful grouping
    assert all(s["size"] >= 2 for s in items)
    # Once a suggested collection exists it is no longer suggested.
    await client.post(
        "/api/collections",
        json={"title": "Shirt things", "rules": by_title["Shirts"]["rules"]},
        headers=editor_headers,
    )
    r = await client.get("/api/collections/suggestions?limit=20", headers=editor_headers)
    assert "Shirts" not in {s["title"] for s in r.json()["items"]}


async def test_rule_preview_and_sync_needs_shopify(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await create_product(client, editor_headers, title="Blue Tee")
    await create_product(client, editor_headers, title="Red Mug", product_type="Mugs")
    r = await client.post(
        "/api/collections/preview",
        json={"rules": [{"column": "TYPE", "relation": "EQUALS", "condition": "mugs"}]},
        headers=editor_headers,
    )
    assert r.status_code == 200 and [p["title"] for p in r.json()["items"]] == ["Red Mug"]
    r = await client.post("/api/collections/sync", headers=editor_headers)
    assert r.status_code == 409 and r.json()["error"] == "shopify_not_configured"


async def test_unknown_collection_filter(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    r = await client.get("/api/products?collection_id=424242", headers=editor_headers)
    assert r.status_code == 422 and "424242" in r.json()["detail"]


@pytest.mark.parametrize(
    ("column", "condition", "reason"),
    [
        ("VARIANT_INVENTORY", "1e300000", "too large"),  # froze the event loop for seconds
        ("VARIANT_PRICE", "1e300000", "too large"),
        ("VARIANT_WEIGHT", "9" * 200, "too long"),
        ("VARIANT_INVENTORY", "99999999999999999999999", "too large"),  # past 64 bits
        ("VARIANT_COMPARE_AT_PRICE", "NaN", "must be a number"),
    ],
)
async def test_rule_numbers_are_bounded_before_use(
    client: httpx.AsyncClient, viewer_headers: Headers, column: str, condition: str, reason: str
) -> None:
    r = await client.post(
        "/api/collections/preview",
        json={"rules": [{"column": column, "relation": "GREATER_THAN", "condition": condition}]},
        headers=viewer_headers,
    )
    assert r.status_code == 422, r.text
    assert reason in r.text
