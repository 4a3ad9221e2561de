"""Catalog work in the browser: a batch price change previewed, applied, undone; drag and drop."""

from __future__ import annotations

import pytest

from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]


async def _prices(dashboard: Dashboard, product_id: int) -> list[str]:
    product = await dashboard.api("GET", f"/api/products/{product_id}")
    return [variant["price"] for variant in product["variants"]]


async def test_batch_price_change_preview_apply_undo(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    shirt = await h.create_product(title="Linen Shirt")
    scarf = await h.create_product(
        title="Wool Scarf", tags=["wool"], options=[], variants=[{"price": "20.00", "sku": "WS"}]
    )
    untouched = await h.create_product(
        title="Cotton Tee", tags=["cotton"], options=[], variants=[{"price": "15.00", "sku": "CT"}]
    )
    await dashboard.login()

    table = page.get_by_role("table", name="Products")
    await table.get_by_role("checkbox", name="Select Linen Shirt").check()
    await table.get_by_role("checkbox", name="Select Wool Scarf").check()
    toolbar = page.get_by_role("toolbar", name="Bulk actions")
    await expect(toolbar).to_contain_text("2 selected")
    await toolbar.get_by_role("button", name="Change prices").click()

    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Operation").select_option("increase")
    await dialog.get_by_label("Change", exact=True).select_option("percent")
    await dialog.get_by_label("Value").fill("10")
    await dialog.get_by_label("Rounding").select_option(".99")
    await dialog.get_by_role("button", name="Preview changes").click()

    # The preview shows what would change, and changes nothing yet.
    await expect(dialog.get_by_test_id("preview-summary")).to_have_text(
        "2 of 2 products will change."
    )
    preview = dialog.get_by_role("table", name="Preview of price changes")
    await expect(preview.get_by_role("row").filter(has_text="Wool Scarf")).to_contain_text("$21.99")
    assert await _prices(dashboard, scarf) == ["20.00"]

    await dialog.get_by_role("button", name="Apply to 2 products").click()
    await expect(dialog).to_be_hidden()
    done = page.get_by_role("status").filter(has_text="Prices changed on 2 products")
    await expect(done).to_be_visible()
    assert await _prices(dashboard, scarf) == ["21.99"]
    assert await _prices(dashboard, shirt) == ["32.99", "32.99"]
    assert await _prices(dashboard, untouched) == ["15.00"]

    await done.get_by_role("button", name="Undo").click()
    await expect(page.get_by_text("Undone: 2 products restored")).to_be_visible()
    assert await _prices(dashboard, scarf) == ["20.00"]
    assert await _prices(dashboard, shirt) == ["30.00", "30.00"]


async def test_drag_products_into_a_manual_collection_and_reorder(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    shirt = await h.create_product(title="Linen Shirt")
    scarf = await h.create_product(
        title="Wool Scarf", tags=["wool"], options=[], variants=[{"price": "20.00"}]
    )
    tee = await h.create_product(
        title="Cotton Tee", tags=["cotton"], options=[], variants=[{"price": "15.00"}]
    )
    collection = await dashboard.api(
        "POST", "/api/collections", json={"title": "Summer picks", "collection_type": "manual"}
    )
    members_url = f"/api/collections/{collection['id']}/products"

    async def member_ids() -> list[int]:
        return [p["id"] for p in (await dashboard.api("GET", members_url))["items"]]

    await dashboard.login()
    await dashboard.goto(f"/collections/{collection['id']}")
    inside = page.get_by_role("list", name="Products in this collection")
    catalog = page.get_by_role("list", name="Catalog products to add")

    # Drag two products in from the catalog: the second lands before the first.
    await catalog.locator("li", has_text="Linen Shirt").drag_to(inside)
    await expect(inside.locator(".dnd-item")).to_have_count(1)
    # The catalog is drawn again after an add: a drag begun before that loses its item.
    await expect(catalog.locator("li", has_text="Linen Shirt")).to_contain_text("Added")
    await catalog.locator("li", has_text="Cotton Tee").drag_to(
        inside.locator(".dnd-item", has_text="Linen Shirt"),
        target_position={"x": 40, "y": 2},
    )
    await expect(inside.locator(".dnd-item")).to_have_count(2)
    assert await member_ids() == [tee, shirt]

    # The keyboard path adds the third; then a drag reorders it to the top.
    await catalog.get_by_role("button", name="Add Wool Scarf").click()
    await expect(inside.locator(".dnd-item")).to_have_count(3)
    assert await member_ids() == [tee, shirt, scarf]
    await inside.locator(".dnd-item", has_text="Wool Scarf").drag_to(
        inside.locator(".dnd-item", has_text="Cotton Tee"), target_position={"x": 40, "y": 2}
    )
    await expect(inside.locator(".dnd-item").first).to_contain_text("Wool Scarf")
    await expect(page.get_by_text("Moved to position 1")).to_be_attached()
    assert await member_ids() == [scarf, tee, shirt]

    await inside.get_by_role("button", name="Move Wool Scarf down").click()
    await expect(inside.locator(".dnd-item").first).to_contain_text("Cotton Tee")
    await expect(page.get_by_text("Moved to position 2")).to_be_attached()
    assert await member_ids() == [tee, scarf, shirt]


async def test_create_a_smart_collection_with_the_rule_builder(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    await h.create_product(title="Linen Shirt", product_type="Shirts")
    await h.create_product(
        title="Oxford Shirt", product_type="Shirts", tags=["cotton"], options=[], variants=[{}]
    )
    await h.create_product(
        title="Wool Scarf", product_type="Scarves", tags=["wool"], options=[], variants=[{}]
    )
    await dashboard.login()
    await page.get_by_role("link", name="Collections").click()
    await page.get_by_role("button", name="Create collection").click()
    dialog = page.get_by_role("dialog", name="Create collection")
    await dialog.get_by_label("Title").fill("All shirts")
    await dialog.get_by_label("Smart").check()
    await dialog.get_by_label("Condition 1: column").select_option("TYPE")
    await dialog.get_by_label("Relation").select_option("EQUALS")
    await dialog.get_by_label("Value").fill("Shirts")
    await expect(dialog.get_by_text("2 products match")).to_be_visible()  # live preview

    await dialog.get_by_role("button", name="Add another condition").click()
    await dialog.get_by_label("Condition 2: column").select_option("TAG")
    await dialog.get_by_label("Value").nth(1).fill("cotton")
    await expect(dialog.get_by_text("1 product matches")).to_be_visible()
    await dialog.get_by_label("any condition").check()
    await expect(dialog.get_by_text("2 products match")).to_be_visible()
    await dialog.get_by_role("button", name="Create collection").click()

    await expect(page.get_by_role("heading", name="All shirts", level=1)).to_be_visible()
    members = page.get_by_role("list", name="Products in this collection")
    await expect(members.locator(".dnd-item")).to_have_count(2)
    assert await members.get_by_role("button").count() == 0  # smart: order follows the rules
    await expect(page.get_by_text("Product type is equal to Shirts")).to_be_visible()


async def test_collections_by_type_renamed_and_pushed_from_the_page(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    one = {"options": [], "variants": [{"price": "10.00"}]}
    await h.create_product(title="Linen Shirt", product_type="Shirts", **one)
    await h.create_product(title="Oxford Shirt", product_type="Shirts", **one)
    await h.create_product(title="Wool Hat", product_type="Hats", **one)
    await dashboard.login()
    await page.get_by_role("link", name="Collections").click()

    await page.get_by_role("button", name="By product type").click()
    dialog = page.get_by_role("dialog", name="Collections by product type")
    types = dialog.get_by_role("table", name="Product types")
    await expect(types.get_by_role("row").filter(has_text="Shirts")).to_contain_text("2")
    await expect(types.get_by_role("row").filter(has_text="Hats")).to_contain_text("new")
    await dialog.get_by_role("button", name="Create collections").click()
    listed = page.get_by_role("table", name="Collections")
    await expect(listed.get_by_role("row")).to_have_count(3)
    await expect(listed.get_by_role("row").filter(has_text="Shirts")).to_contain_text("2")

    await listed.get_by_role("link", name="Shirts").click()
    await page.get_by_role("button", name="Rename").click()
    rename = page.get_by_role("dialog", name="Rename collection")
    await rename.get_by_label("Title").fill("All our shirts")
    await rename.get_by_role("button", name="Rename").click()
    await expect(page.get_by_role("heading", name="All our shirts")).to_be_visible()

    await page.get_by_role("link", name="Collections").click()
    await expect(listed.get_by_role("link", name="All our shirts")).to_be_visible()
    await page.get_by_role("button", name="Push to Shopify").click()
    await expect(page.get_by_text("Collections pushed")).to_be_visible(timeout=30_000)
    await expect(page.get_by_test_id("collections-push")).to_contain_text("2 created")
    collections = (await dashboard.api("GET", "/api/collections"))["items"]
    assert {(c["title"], c["sync_state"]) for c in collections} == {
        ("All our shirts", "synced"),
        ("Hats", "synced"),
    }
