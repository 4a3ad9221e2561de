"""The bulk editor in the browser: keyboard editing, a pasted block, fill-down, a cell's
validation error, one batch saved and undone; saved views shared and reopened."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PRODUCTS = 10
VARIANTS = 5  # 50 variant rows
SIZES = ["XS", "S", "M", "L", "XL"]

PASTE = """
(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  const grid = document.querySelector(".grid-viewport");
  const init = { clipboardData: data, bubbles: true, cancelable: true };
  grid.dispatchEvent(new ClipboardEvent("paste", init));
}
"""


async def _seed(dashboard: Dashboard) -> list[int]:
    ids = []
    for n in range(PRODUCTS):
        ids.append(
            await dashboard.harness.create_product(
                title=f"Grid Item {n:02d}",
                vendor="Gridco",
                options=[{"name": "Size", "values": SIZES}],
                variants=[
                    {"option_values": [size], "price": "10.00", "sku": f"G{n:02d}-{size}"}
                    for size in SIZES
                ],
            )
        )
    return ids


def cell(page: Any, row: int, column: str) -> Any:
    return page.locator(f'.grid-cell[data-row="{row}"][data-col="{column}"]')


async def _prices(dashboard: Dashboard, ids: list[int]) -> list[str]:
    prices = []
    for product_id in ids:
        product = await dashboard.api("GET", f"/api/products/{product_id}")
        prices.extend(v["price"] for v in product["variants"])
    return prices


async def test_edit_paste_fill_down_fix_save_and_undo_in_the_grid(dashboard: Dashboard) -> None:
    page = dashboard.page
    ids = await _seed(dashboard)
    await dashboard.login()
    await dashboard.goto("/products?vendor=Gridco&sort=title")
    await page.get_by_role("button", name="Bulk editor").click()
    await page.wait_for_url(re.compile(r"/products/editor\?vendor=Gridco&sort=title"))
    await expect(page.get_by_role("grid", name="Bulk editor")).to_be_focused()
    await expect(cell(page, 0, "price")).to_have_text("10.00")
    await expect(page.locator(".edit-count")).to_have_text("50 rows")

    # Keyboard: Enter edits, Enter saves the cell and moves down, typing starts an edit, Tab
    # moves right, Esc drops an edit.
    await cell(page, 0, "price").click()
    await page.keyboard.press("Enter")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("11.50")
    await page.keyboard.press("Enter")
    await expect(cell(page, 1, "price")).to_have_class(re.compile(r"\bactive\b"))
    await page.keyboard.type("12")
    await page.keyboard.press("Tab")
    await expect(cell(page, 1, "compare_at_price")).to_have_class(re.compile(r"\bactive\b"))
    await page.keyboard.type("99")
    await page.keyboard.press("Escape")
    await expect(cell(page, 1, "compare_at_price")).to_have_text("")
    await expect(cell(page, 0, "price")).to_have_text("11.50")
    await expect(cell(page, 1, "price")).to_have_text("12")

    # A 3x2 block pasted from a spreadsheet lands from the active cell on.
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowLeft")
    await expect(cell(page, 2, "price")).to_have_class(re.compile(r"\bactive\b"))
    await page.evaluate(PASTE, "13.00\t20.00\n14.00\t21.00\n15.00\t22.00\n")
    for row, (price, compare_at) in enumerate([("13.00", "20.00"), ("14.00", "21.00")], start=2):
        await expect(cell(page, row, "price")).to_have_text(price)
        await expect(cell(page, row, "compare_at_price")).to_have_text(compare_at)
    await expect(cell(page, 4, "compare_at_price")).to_have_text("22.00")

    # Fill-down: one price copied into the 44 rows below it (rows past the screen too).
    await cell(page, 5, "price").click()
    await page.keyboard.type("9.99")
    await page.keyboard.press("Enter")
    await page.keyboard.press("ArrowUp")
    for _ in range(VARIANTS * PRODUCTS - 6):
        await page.keyboard.press("Shift+ArrowDown")
    await page.keyboard.press("Control+d")
    await expect(cell(page, 49, "price")).to_have_text("9.99")
    await expect(cell(page, 49, "price")).to_have_class(re.compile(r"\bedited\b"))

    # A value a cell cannot take is shown on the cell, and nothing is sent until it is fixed.
    await page.keyboard.press("Control+Home")
    await expect(cell(page, 0, "price")).to_have_class(re.compile(r"\bactive\b"))
    await cell(page, 0, "inventory_quantity").click()
    await page.keyboard.type("lots")
    await page.keyboard.press("Enter")
    bad = cell(page, 0, "inventory_quantity")
    await expect(bad).to_have_attribute("aria-invalid", "true")
    await page.keyboard.press("ArrowUp")
    await expect(page.locator(".grid-status")).to_have_text("Stock: must be a whole number")
    await expect(page.locator(".edit-count")).to_have_text("54 cells edited · 1 to fix")
    await page.get_by_role("button", name="Review and save").click()
    await expect(page.get_by_role("alert")).to_contain_text("Fix the 1 highlighted cell")
    await cell(page, 0, "inventory_quantity").click()
    await page.keyboard.type("7")
    await page.keyboard.press("Enter")
    await expect(bad).not_to_have_attribute("aria-invalid", "true")

    # Preview, then one batch.
    await page.get_by_role("button", name="Review and save").click()
    dialog = page.get_by_role("dialog", name="Save edits")
    await expect(dialog.get_by_test_id("preview-summary")).to_have_text(
        f"{PRODUCTS} products will change."
    )
    assert await _prices(dashboard, ids) == ["10.00"] * 50  # a preview writes nothing
    await dialog.get_by_role("button", name=f"Save to {PRODUCTS} products").click()
    saved = page.locator(".banner").filter(has_text=f"Edits saved on {PRODUCTS} products")
    await expect(saved).to_be_visible()
    await expect(page.locator(".edit-count")).to_have_text("50 rows")
    assert (
        await _prices(dashboard, ids)
        == ["11.50", "12.00", "13.00", "14.00", "15.00"] + ["9.99"] * 45
    )
    first = await dashboard.api("GET", f"/api/products/{ids[0]}")
    assert first["variants"][0]["inventory_quantity"] == 7
    assert [v["compare_at_price"] for v in first["variants"][:5]] == [
        None,
        None,
        "20.00",
        "21.00",
        "22.00",
    ]
    history = await dashboard.api("GET", f"/api/products/{ids[3]}/history")
    batch_ids = {event["batch_id"] for event in history["items"] if event["batch_id"]}
    assert len(batch_ids) == 1
    await expect(cell(page, 5, "price")).to_have_text("9.99")

    # Undo puts every cell back.
    await saved.get_by_role("button", name="Undo").click()
    await expect(page.locator(".banner").filter(has_text="Undone")).to_be_visible()
    assert await _prices(dashboard, ids) == ["10.00"] * 50
    await expect(cell(page, 5, "price")).to_have_text("10.00")


async def test_a_saved_view_is_shared_and_reopened_by_a_teammate(dashboard: Dashboard) -> None:
    page = dashboard.page
    await _seed(dashboard)
    await dashboard.harness.create_product(title="Other Shirt", vendor="Elsewhere")
    await dashboard.login()
    await dashboard.goto("/products/editor?vendor=Gridco&sort=title")
    await expect(cell(page, 0, "sku")).to_have_text("G00-XS")

    # Choose columns: barcode in, SKU out; then save the view for the team.
    await page.locator(".column-picker summary").click()
    await page.get_by_label("Barcode").check()
    await page.get_by_label("SKU").uncheck()
    await expect(page.get_by_role("columnheader", name="Barcode")).to_be_visible()
    await expect(page.get_by_role("columnheader", name="SKU")).to_have_count(0)
    await page.locator(".column-picker summary").click()
    await page.get_by_role("button", name="Save view").click()
    dialog = page.get_by_role("dialog", name="Save view")
    await dialog.get_by_label("Name").fill("Gridco prices")
    await dialog.get_by_label(re.compile("Share with the team")).check()
    await dialog.get_by_role("button", name="Save view").click()
    await expect(
        page.get_by_role("status").filter(has_text="View “Gridco prices” saved")
    ).to_be_visible()

    # A teammate (a viewer) finds it under the team's views and opens it, in the list...
    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url(re.compile(r"/login$"))  # the token is dropped once logout answers
    await dashboard.login(dashboard.viewer_email)
    views = page.get_by_role("combobox", name="Saved views")
    await expect(views.locator("option", has_text="Gridco prices")).to_have_count(1)
    await views.select_option(label="Gridco prices · admin@example.com")
    await page.wait_for_url(re.compile(r"/products\?.*vendor=Gridco"))
    table = page.get_by_role("table", name="Products")
    await expect(table.get_by_role("row")).to_have_count(PRODUCTS + 1)
    await expect(table.get_by_role("link").first).to_have_text("Grid Item 00")  # sorted by title

    # ... and in the bulk editor, with the view's columns; a viewer cannot save views or cells.
    await page.get_by_role("button", name="Bulk editor").click()
    await page.wait_for_url(re.compile(r"/products/editor"))
    await expect(page.get_by_role("button", name="Save view")).to_have_count(0)
    await expect(page.get_by_role("button", name="Review and save")).to_have_count(0)
    editor_views = page.get_by_role("combobox", name="Saved views")
    await editor_views.select_option(label="Gridco prices · admin@example.com")
    await page.wait_for_url(
        re.compile(r"columns=price%2Ccompare_at_price%2Cbarcode%2Cinventory_quantity")
    )
    await expect(page.get_by_role("columnheader", name="Barcode")).to_be_visible()
    await expect(page.get_by_role("columnheader", name="SKU")).to_have_count(0)
    await expect(page.locator(".edit-count")).to_have_text(f"{PRODUCTS * VARIANTS} rows")
