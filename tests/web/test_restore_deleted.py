"""The Activity page lists the products Shopify deleted, and an editor restores one after a
preview of what comes back."""

from __future__ import annotations

import pytest

from product_dashboard.shopify.documents import PRODUCT_DELETE
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]


async def test_a_product_deleted_in_shopify_is_restored_from_the_activity_page(
    dashboard: Dashboard,
) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product(title="Linen Shirt", handle="linen-shirt")
    shopify_id = await h.push_and_settle(product_id)
    response = await h.shopify.execute(PRODUCT_DELETE, {"id": shopify_id})
    assert response.data["productDelete"]["deletedProductId"] == shopify_id
    await h.wait_processed(shopify_id, 1, topic="products/delete")

    await dashboard.login()
    await dashboard.goto("/activity")
    table = page.get_by_role("table", name="Deleted in Shopify")
    await table.get_by_role("button", name="Restore Linen Shirt").click()
    dialog = page.get_by_role("dialog")
    preview = dialog.get_by_test_id("restore-preview")
    await expect(preview).to_contain_text("title: — → Linen Shirt")
    await expect(preview).to_contain_text("variants[M]: added")
    await dialog.get_by_role("button", name="Restore", exact=True).click()
    await expect(table.get_by_role("link", name="Restored as")).to_be_visible()

    products = await dashboard.api("GET", "/api/products", params={"q": "Linen"})
    [restored] = [p for p in products["items"] if p["handle"] == "linen-shirt"]
    assert restored["sync_state"] == "never_synced"  # unlinked: the next push creates it
