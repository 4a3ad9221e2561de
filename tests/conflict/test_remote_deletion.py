"""A product deleted in Shopify's admin: deleted here too, unless it has edits not pushed yet."""

from __future__ import annotations

import pytest

from product_dashboard.config import Settings
from product_dashboard.models import Product
from product_dashboard.shopify.documents import PRODUCT_DELETE
from tests.inbound.harness import Harness, running_harness

pytestmark = pytest.mark.integration


async def _delete_in_shopify(h: Harness, shopify_id: str) -> None:
    response = await h.shopify.execute(PRODUCT_DELETE, {"id": shopify_id})
    assert response.data["productDelete"]["deletedProductId"] == shopify_id


async def _exists(h: Harness, product_id: int) -> bool:
    async with h.sessions() as session:
        return await session.get(Product, product_id) is not None


async def test_unchanged_product_deleted_in_shopify_is_deleted_here(settings: Settings) -> None:
    async with running_harness(settings) as h:
        product_id = await h.create_product()
        shopify_id = await h.push(product_id)
        await _delete_in_shopify(h, shopify_id)
        [event] = await h.wait_processed(shopify_id, 1, topic="products/delete")
        assert event.outcome == "deleted"
        assert not await _exists(h, product_id)


async def test_locally_edited_product_deleted_in_shopify_becomes_a_conflict(
    settings: Settings,
) -> None:
    async with running_harness(settings) as h:
        product_id = await h.create_product()
        shopify_id = await h.push(product_id)
        response = await h.api("PUT", f"/api/products/{product_id}", json={"title": "Still ours"})
        assert response.status_code == 200
        await _delete_in_shopify(h, shopify_id)
        [event] = await h.wait_processed(shopify_id, 1, topic="products/delete")
        assert event.outcome == "conflict"
        [conflict] = (await h.api("GET", "/api/conflicts")).json()["items"]
        assert [f["path"] for f in conflict["fields"]] == ["product"]

        resolved = await h.api(
            "POST", f"/api/conflicts/{conflict['id']}/resolve", json={"strategy": "keep_local"}
        )
        assert resolved.status_code == 200, resolved.text
        job = await h.wait_job(resolved.json()["push_job_id"])
        assert job["state"] == "completed", job
        product = await h.product(product_id)
        # Pushed again as a new Shopify product, with our edit.
        assert product.shopify_product_id not in (None, shopify_id)
        remote = await h.remote_product(product.shopify_product_id or "")
        assert remote["title"] == "Still ours"
