from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.models import Product
from tests.product.factories import create_product, tee_payload

pytestmark = pytest.mark.integration

Headers = dict[str, str]


async def test_create_returns_full_product_with_derived_fields(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    assert product["handle"] == "classic-tee"
    assert product["price_min"] == "19.99" and product["price_max"] == "21.50"
    assert product["total_inventory"] == 12
    assert product["version"] == 1
    assert product["sync_state"] == "never_synced"
    assert [v["title"] for v in product["variants"]] == ["S / Red", "M / Red"]
    assert product["variants"][1]["compare_at_price"] == "25.00"
    assert product["options"][0] == {
        "name": "Size",
        "position": 1,
        "values": ["S", "M"],
        "linked_metafield": None,
    }
    assert product["tags"] == ["cotton", "summer"]


async def test_product_without_variants_gets_a_default_variant(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    r = await client.post("/api/products", json={"title": "Gift Card"}, headers=editor_headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "draft"
    assert [v["title"] for v in body["variants"]] == ["Default Title"]
    assert body["variants"][0]["price"] == "0.00"


async def test_handles_are_generated_unique(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    first = await create_product(client, editor_headers, title="Café Mug")
    second = await create_product(client, editor_headers, title="Café Mug")
    assert first["handle"] == "cafe-mug"
    assert second["handle"] == "cafe-mug-1"


async def test_explicit_taken_handle_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await create_product(client, editor_headers, handle="mug")
    r = await client.post(
        "/api/products", json=tee_payload(title="Other", handle="mug"), headers=editor_headers
    )
    assert r.status_code == 422
    assert r.json()["fields"][0]["loc"] == ["body", "handle"]


@pytest.mark.parametrize(
    ("overrides", "loc_fragment"),
    [
        ({"options": [{"name": n} for n in "ABCD"]}, "options"),
        ({"variants": [{"price": "1.999"}]}, "price"),
        ({"variants": [{"price": "-1.00"}]}, "price"),
        ({"variants": [{"option_values": ["XL", "Red"]}]}, "option_values"),
        ({"variants": [{"option_values": ["S"]}]}, "option_values"),
        (
            {"variants": [{"option_values": ["S", "Red"]}, {"option_values": ["S", "Red"]}]},
            "option_values",
        ),
        ({"options": [], "variants": [{}, {}]}, "variants"),
        ({"handle": "Not A Handle!"}, "handle"),
        ({"tags": ["a,b"]}, "tags"),
        ({"status": "published"}, "status"),
        ({"title": ""}, "title"),
        ({"variants": [{"price": "1"}] * 2049}, "variants"),
    ],
)
async def test_invalid_products_are_refused_with_field_errors(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    overrides: dict[str, Any],
    loc_fragment: str,
) -> None:
    r = await client.post("/api/products", json=tee_payload(**overrides), headers=editor_headers)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation_error"
    assert any(loc_fragment in [str(p) for p in f["loc"]] for f in body["fields"]), body
    listing = await client.get("/api/products", headers=editor_headers)
    assert listing.json()["total"] == 0


async def test_description_is_stored_as_written(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    """#16: the merchant's HTML is never rewritten in storage (it would be pushed back over
    Shopify's); the dashboard sanitises it where it renders it (web/static/js/core/sanitize.js)."""
    html = (
        '<p style="color:red" data-x="1" onclick="steal()">Hi<!-- note -->'
        '<script>alert(1)</script><a href="javascript:x()">l</a></p>'
    )
    product = await create_product(client, editor_headers, description_html=html)
    assert product["description_html"] == html
    fetched = await client.get(f"/api/products/{product['id']}", headers=editor_headers)
    assert fetched.json()["description_html"] == html


async def test_update_is_partial_and_keeps_variant_identity(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    variant_ids = [v["id"] for v in product["variants"]]
    r = await client.put(
        f"/api/products/{product['id']}",
        json={
            "title": "Classic Tee 2",
            "variants": [
                {"option_values": ["M", "Red"], "price": "22.00", "sku": "M-RED"},
                {"option_values": ["S", "Red"], "price": "18.00", "sku": "S-RED"},
            ],
        },
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["title"] == "Classic Tee 2"
    assert body["vendor"] == "Acme"  # untouched
    assert [v["id"] for v in body["variants"]] == list(reversed(variant_ids))
    assert body["price_min"] == "18.00"
    assert body["version"] == 2
    assert r.headers["ETag"] == '"2"'


async def test_noop_update_does_not_bump_version_or_audit(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    r = await client.put(
        f"/api/products/{product['id']}", json={"title": product["title"]}, headers=editor_headers
    )
    assert r.json()["version"] == 1
    history = await client.get(f"/api/products/{product['id']}/history", headers=editor_headers)
    assert [e["action"] for e in history.json()["items"]] == ["create"]


async def test_stale_version_gets_409_and_nothing_is_overwritten(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    url = f"/api/products/{product['id']}"
    ok = await client.put(url, json={"title": "First", "version": 1}, headers=editor_headers)
    assert ok.status_code == 200
    stale = await client.put(url, json={"title": "Second", "version": 1}, headers=editor_headers)
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    stale_header = await client.put(
        url, json={"title": "Third"}, headers={**editor_headers, "If-Match": '"1"'}
    )
    assert stale_header.status_code == 409
    assert (await client.get(url, headers=editor_headers)).json()["title"] == "First"


async def test_history_records_who_and_what_changed(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    await client.put(
        f"/api/products/{product['id']}",
        json={"vendor": "Globex"},
        headers={**editor_headers, "X-Change-Source": "ui"},
    )
    history = (
        await client.get(f"/api/products/{product['id']}/history", headers=editor_headers)
    ).json()
    assert history["total"] == 2
    latest = history["items"][0]
    assert latest["action"] == "update" and latest["source"] == "ui"
    assert latest["before"] == {"vendor": "Acme"} and latest["after"] == {"vendor": "Globex"}
    assert latest["actor_email"].startswith("editor")


async def test_delete_never_synced_removes_it(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    r = await client.delete(f"/api/products/{product['id']}", headers=editor_headers)
    assert r.status_code == 204
    assert (
        await client.get(f"/api/products/{product['id']}", headers=editor_headers)
    ).status_code == 404


async def test_delete_synced_product_leaves_a_tombstone_and_frees_the_handle(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    product = await create_product(client, editor_headers, handle="tee")
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product)
            .where(Product.id == product["id"])
            .values(shopify_product_id="gid://shopify/Product/1", synced_version=1)
        )
    assert (
        await client.delete(f"/api/products/{product['id']}", headers=editor_headers)
    ).status_code == 204
    assert (
        await client.get(f"/api/products/{product['id']}", headers=editor_headers)
    ).status_code == 404
    async with sessionmaker() as session:
        tombstone = await session.get(Product, product["id"])
        assert tombstone is not None and tombstone.deleted_at is not None
        assert tombstone.version == 2 and tombstone.version > (tombstone.synced_version or 0)
    again = await create_product(client, editor_headers, handle="tee")
    assert again["handle"] == "tee"


async def test_unknown_product_is_404_envelope(
    client: httpx.AsyncClient, viewer_headers: Headers
) -> None:
    r = await client.get("/api/products/999999", headers=viewer_headers)
    assert r.status_code == 404
    assert r.json() == {
        "error": "not_found",
        "detail": "Product 999999 does not exist.",
        "fields": [],
    }
