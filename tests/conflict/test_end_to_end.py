"""Both sides edited: a conflict per field, one-sided changes merged, then each resolution path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from product_dashboard.config import Settings
from tests.fixtures.logs import read_log
from tests.inbound.harness import Harness, running_harness

pytestmark = pytest.mark.integration


async def _conflicted(h: Harness) -> tuple[int, str, dict[str, Any]]:
    """Local edits title and SKU; the merchant edits title (differently), vendor and price."""
    product_id = await h.create_product()
    shopify_id = await h.push_and_settle(product_id)
    product = await h.product(product_id)
    small = product.variants[0]
    response = await h.api(
        "PUT",
        f"/api/products/{product_id}",
        json={
            "title": "Linen Shirt (ours)",
            "variants": [
                {
                    "id": small.id,
                    "option_values": ["S"],
                    "price": "30.00",
                    "sku": "LS-S-NEW",
                    "inventory_quantity": 5,
                },
                {
                    "id": product.variants[1].id,
                    "option_values": ["M"],
                    "price": "30.00",
                    "sku": "LS-M",
                    "inventory_quantity": 7,
                },
            ],
        },
    )
    assert response.status_code == 200, response.text
    await h.merchant_edit(
        shopify_id,
        title="Linen Shirt (theirs)",
        vendor="Acme Mills",
        variants=[{"id": small.shopify_variant_id, "price": "32.00"}],
    )
    [event] = await h.wait_processed(shopify_id, 1)
    assert event.outcome == "conflict"
    listing = (await h.api("GET", "/api/conflicts", params={"product_id": product_id})).json()
    assert listing["total"] == 1
    return product_id, shopify_id, listing["items"][0]


async def _pushed_and_echoed(h: Harness, result: dict[str, Any], shopify_id: str) -> None:
    """The resolution queued a push; it ran, and its webhook came back as our own echo."""
    assert result["push_job_id"] is not None
    job = await h.wait_job(result["push_job_id"])
    assert job["state"] == "completed", job
    events = await h.wait_processed(shopify_id, 2)
    assert events[-1].outcome == "echo"
    stats = (await h.api("GET", "/api/conflicts/stats")).json()
    assert stats["open"] == 0


async def test_conflict_holds_base_local_remote_and_merges_one_sided_changes(
    settings: Settings,
) -> None:
    async with running_harness(settings) as h:
        product_id, _, conflict = await _conflicted(h)
        fields = {f["path"]: f for f in conflict["fields"]}
        assert set(fields) == {"title"}
        assert fields["title"] == {
            "path": "title",
            "label": "Title",
            "base": "Linen Shirt",
            "local": "Linen Shirt (ours)",
            "remote": "Linen Shirt (theirs)",
        }
        product = await h.product(product_id)
        assert product.vendor == "Acme Mills"  # remote only: merged
        assert product.variants[0].price_cents == 3200  # remote only: merged
        assert product.variants[0].sku == "LS-S-NEW"  # local only: kept
        assert product.title == "Linen Shirt (ours)"  # conflict: local until decided
        assert product.open_conflicts == 1
        listed = (await h.api("GET", "/api/products", params={"sync_state": "conflict"})).json()
        assert [p["id"] for p in listed["items"]] == [product_id]
        stats = (await h.api("GET", "/api/conflicts/stats")).json()
        assert stats["open"] == 1 and stats["open_by_field"] == {"title": 1}


async def test_keep_local(settings: Settings) -> None:
    async with running_harness(settings) as h:
        product_id, shopify_id, conflict = await _conflicted(h)
        response = await h.api(
            "POST", f"/api/conflicts/{conflict['id']}/resolve", json={"strategy": "keep_local"}
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["push_needed"] is True
        assert result["conflict"]["state"] == "resolved"
        await _pushed_and_echoed(h, result, shopify_id)
        product = await h.product(product_id)
        assert product.title == "Linen Shirt (ours)"
        assert product.open_conflicts == 0
        remote = await h.remote_product(shopify_id)
        assert remote["title"] == "Linen Shirt (ours)"
        assert remote["vendor"] == "Acme Mills"  # the merchant's one-sided edit stays
        again = await h.api(
            "POST", f"/api/conflicts/{conflict['id']}/resolve", json={"strategy": "keep_local"}
        )
        assert again.status_code == 409


async def test_keep_remote(settings: Settings) -> None:
    async with running_harness(settings) as h:
        product_id, shopify_id, conflict = await _conflicted(h)
        response = await h.api(
            "POST", f"/api/conflicts/{conflict['id']}/resolve", json={"strategy": "keep_remote"}
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["push_needed"] is True  # the local-only SKU change still has to go out
        await _pushed_and_echoed(h, result, shopify_id)
        product = await h.product(product_id)
        assert product.title == "Linen Shirt (theirs)"
        assert product.variants[0].sku == "LS-S-NEW"
        remote = await h.remote_product(shopify_id)
        assert remote["title"] == "Linen Shirt (theirs)"
        assert remote["variants"]["nodes"][0]["sku"] == "LS-S-NEW"


async def test_merge_with_custom_value(settings: Settings) -> None:
    async with running_harness(settings) as h:
        product_id, shopify_id, conflict = await _conflicted(h)
        missing = await h.api(
            "POST",
            f"/api/conflicts/{conflict['id']}/resolve",
            json={"strategy": "merge", "fields": {"vendor": "local"}},
        )
        assert missing.status_code == 422
        response = await h.api(
            "POST",
            f"/api/conflicts/{conflict['id']}/resolve",
            json={"strategy": "merge", "fields": {"title": {"value": "Linen Shirt — final"}}},
        )
        assert response.status_code == 200, response.text
        await _pushed_and_echoed(h, response.json(), shopify_id)
        product = await h.product(product_id)
        assert product.title == "Linen Shirt — final"
        assert (await h.remote_product(shopify_id))["title"] == "Linen Shirt — final"
        open_left = (await h.api("GET", "/api/conflicts")).json()
        assert open_left["total"] == 0


async def test_a_conflict_from_a_webhook_is_logged_with_the_product_and_fields(
    settings: Settings, log_file: Path
) -> None:
    async with running_harness(settings) as h:
        product_id, _, conflict = await _conflicted(h)
    lines = [
        line for line in read_log(log_file).splitlines() if f"conflict={conflict['id']}" in line
    ]
    assert len(lines) == 1, lines
    assert "WARNING" in lines[0] and f"product={product_id}" in lines[0]
    assert "source=webhook" in lines[0] and "fields=title" in lines[0]
