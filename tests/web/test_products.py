"""Products in the browser: search, edit (field errors, stale edits), sanitised HTML, roles."""

from __future__ import annotations

import asyncio
import contextlib
import re

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Route

from product_dashboard.models import MetafieldDefinition
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]

HOSTILE_DESCRIPTION = (
    '<p>Soft <strong>linen</strong>.</p><img src="x" onerror="window.__pwned=1">'
    '<script>window.__pwned=2</script><a href="javascript:window.__pwned=3">care guide</a>'
    '<iframe srcdoc="<b>frame</b>"></iframe>'
)


async def test_search_then_edit_with_field_error_and_stale_edit(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product(description_html=HOSTILE_DESCRIPTION)
    await h.create_product(
        title="Wool Scarf", tags=["wool"], variants=[{"price": "12.00", "sku": "WS-1"}], options=[]
    )
    dashboard.console.allow(r"status of 422")  # the invalid price, shown next to its field
    dashboard.console.allow(r"status of 409")  # the stale edit, explained

    await dashboard.login()
    await page.get_by_role("searchbox", name="Search products").fill("linen")
    table = page.get_by_role("table", name="Products")
    await expect(table.get_by_role("row")).to_have_count(2)  # header + Linen Shirt
    await table.get_by_role("link", name="Linen Shirt").click()
    await expect(page.get_by_role("heading", name="Linen Shirt", level=1)).to_be_visible()

    # The description is rendered from an allow-list: text and safe markup only.
    description = page.get_by_test_id("description")
    await expect(description.locator("strong")).to_have_text("linen")
    assert await description.locator("script, iframe, img, [onerror]").count() == 0
    await expect(description).to_contain_text("care guide")
    assert await description.locator("a[href^='javascript']").count() == 0
    assert await page.evaluate("window.__pwned") is None

    # An invalid price: the API's error lands next to that field.
    price = page.get_by_label("Price for S", exact=True)
    save_bar = page.get_by_role("region", name="Unsaved changes")
    await price.fill("12.345.6")
    await expect(save_bar).to_be_visible()
    await save_bar.get_by_role("button", name="Save").click()
    await expect(price).to_have_attribute("aria-invalid", "true")
    error_id = await price.get_attribute("aria-describedby")
    assert error_id
    error = page.locator(f"#{error_id.split()[-1]}")
    await expect(error).to_have_text("'12.345.6' must be a number such as 12 or 19.99")
    await expect(page.get_by_role("alert")).to_contain_text("1 error")

    # Fix it and save.
    await price.fill("34.50")
    await save_bar.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Product saved")).to_be_visible()
    await expect(price).not_to_have_attribute("aria-invalid", "true")
    saved = await dashboard.api("GET", f"/api/products/{product_id}")
    assert saved["variants"][0]["price"] == "34.50"

    # Someone else saves while we edit: the 409 is explained, and our edit can still win.
    await dashboard.api("PUT", f"/api/products/{product_id}", json={"title": "Linen Shirt II"})
    await page.get_by_label("Vendor").fill("Acme Looms")
    await save_bar.get_by_role("button", name="Save").click()
    stale = page.get_by_role("alert").filter(has_text="Someone else changed this product")
    await expect(stale).to_be_visible()
    await expect(stale).to_contain_text("They changed: Title")
    await expect(stale).to_contain_text("not been saved")
    await stale.get_by_role("button", name="Save mine over theirs").click()
    await expect(stale).to_be_hidden()
    await expect(save_bar).to_be_hidden()
    final = await dashboard.api("GET", f"/api/products/{product_id}")
    assert (final["vendor"], final["title"]) == ("Acme Looms", "Linen Shirt II")  # both edits kept
    history = await dashboard.api("GET", f"/api/products/{product_id}/history")
    assert "ui" in {event["source"] for event in history["items"]}


async def test_viewer_sees_no_edit_controls(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product()
    collection = await dashboard.api(
        "POST", "/api/collections", json={"title": "Shirts", "collection_type": "manual"}
    )
    await dashboard.login(dashboard.viewer_email)

    await expect(page.get_by_role("table", name="Products")).to_be_visible()
    assert await page.get_by_role("checkbox").count() == 0
    assert await page.get_by_role("link", name="Add product").count() == 0

    await dashboard.goto(f"/products/{product_id}")
    await expect(page.get_by_role("heading", name="Linen Shirt", level=1)).to_be_visible()
    await expect(page.get_by_text("View only")).to_be_visible()
    for role in ("textbox", "combobox", "spinbutton", "checkbox"):
        assert await page.locator("main").get_by_role(role).count() == 0, role
    assert await page.get_by_role("button", name=re.compile("Save|Delete|Generate")).count() == 0
    # A card's part left out for a viewer leaves nothing, not the text "null".
    await expect(page.get_by_role("table", name="Stock by location")).to_be_visible()
    assert not re.search(r"\bnull\b", await page.locator("main").inner_text())

    await dashboard.goto(f"/collections/{collection['id']}")
    await expect(page.get_by_role("heading", name="Shirts", level=1)).to_be_visible()
    assert await page.get_by_role("button", name=re.compile("Delete|Add|Move|Remove")).count() == 0
    await dashboard.goto("/collections")
    await expect(page.get_by_role("table", name="Collections")).to_be_visible()
    assert await page.get_by_role("button", name=re.compile("Create")).count() == 0
    await dashboard.goto("/sync")
    await expect(page.get_by_text("Waiting to push")).to_be_visible()
    assert await page.get_by_role("button", name=re.compile("Start|Stop|Resume")).count() == 0
    await dashboard.goto("/activity")
    await expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", name="No batch edits yet")).to_be_visible()
    assert await page.get_by_role("button", name=re.compile("Undo|Stop|Resume|test")).count() == 0


async def test_create_a_product_with_a_field_error_first(dashboard: Dashboard) -> None:
    page = dashboard.page
    dashboard.console.allow(r"status of 422")  # the missing title, shown next to the field
    await dashboard.login()
    await page.get_by_role("link", name="Add product").first.click()
    await expect(page.get_by_role("heading", name="Add product", level=1)).to_be_visible()
    await page.get_by_label("Vendor").fill("Acme")
    await page.get_by_label("Description (HTML)").fill("<p>Warm and <em>soft</em>.</p>")
    save = page.get_by_role("region", name="Unsaved changes").get_by_role("button", name="Save")
    await save.click()
    title = page.get_by_label("Title", exact=True)
    await expect(title).to_have_attribute("aria-invalid", "true")
    await expect(title).to_be_focused()
    await title.fill("Alpaca Beanie")
    await page.get_by_label("Price for Default", exact=True).fill("24.00")
    await save.click()
    await expect(page.get_by_role("heading", name="Alpaca Beanie", level=1)).to_be_visible()
    await expect(page.get_by_test_id("description").locator("em")).to_have_text("soft")
    created = (await dashboard.api("GET", "/api/products", params={"q": "Alpaca"}))["items"]
    assert [(p["title"], p["vendor"], p["price_min"]) for p in created] == [
        ("Alpaca Beanie", "Acme", "24.00")
    ]


async def test_vendor_and_type_filters_suggest_and_ignore_case(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    one = {"options": [], "variants": [{"price": "10.00"}]}
    await h.create_product(title="Linen Shirt", vendor="Acme Mills", product_type="Shirts", **one)
    await h.create_product(title="Linen Scarf", vendor="Acme Mills", product_type="Scarves", **one)
    await h.create_product(title="Wool Hat", vendor="Globex", product_type="Hats", **one)
    await dashboard.login()
    rows = page.get_by_role("table", name="Products").get_by_role("row")
    await expect(rows).to_have_count(4)

    vendor = page.get_by_role("combobox", name="Vendor")
    await vendor.fill("acme")
    suggestions = page.locator(f"datalist#{await vendor.get_attribute('list')} option")
    await expect(suggestions).to_have_count(1)
    await expect(suggestions).to_have_attribute("value", "Acme Mills")
    await expect(suggestions).to_have_text("2 products")
    await vendor.fill("Acme Mills")  # what choosing the suggestion does: applied at once
    await expect(rows).to_have_count(3)
    assert "vendor=Acme" in page.url

    await vendor.fill("")
    await expect(rows).to_have_count(4)
    kind = page.get_by_role("combobox", name="Type")
    await kind.fill("HATS")  # typed, any case, applied on Enter
    await kind.press("Enter")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(1)).to_contain_text("Wool Hat")


async def test_tag_and_collection_filters_suggest_with_counts(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    one = {"options": [], "variants": [{"price": "10.00"}]}
    shirt = await h.create_product(title="Linen Shirt", tags=["Summer", "linen"], **one)
    await h.create_product(title="Linen Scarf", tags=["summer"], **one)
    await h.create_product(title="Wool Hat", tags=["winter"], **one)
    await dashboard.api(
        "POST",
        "/api/collections",
        json={"title": "Staff picks", "collection_type": "manual", "product_ids": [shirt]},
    )
    await dashboard.login()
    rows = page.get_by_role("table", name="Products").get_by_role("row")
    await expect(rows).to_have_count(4)

    tag = page.get_by_role("combobox", name="Tag")
    await tag.fill("SUM")
    suggestions = page.locator(f"datalist#{await tag.get_attribute('list')} option")
    await expect(suggestions).to_have_count(1)
    await expect(suggestions).to_have_attribute("value", "Summer")
    await expect(suggestions).to_have_text("2 products")
    await tag.fill("Summer")  # choosing the suggestion applies it at once
    await expect(rows).to_have_count(3)
    await tag.fill("")
    await expect(rows).to_have_count(4)

    collection = page.get_by_role("combobox", name="Collection")
    await collection.fill("staff")
    picks = page.locator(f"datalist#{await collection.get_attribute('list')} option")
    await expect(picks).to_have_attribute("value", "Staff picks")
    await expect(picks).to_have_text("1 product")
    await collection.fill("Staff picks")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(1)).to_contain_text("Linen Shirt")
    assert "collection_id=" in page.url


async def test_stock_per_location_is_shown_and_edited_on_the_product_page(
    dashboard: Dashboard,
) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product()
    await dashboard.login()
    await dashboard.goto(f"/products/{product_id}")

    stock = page.get_by_role("table", name="Stock by location")
    cell = stock.get_by_label(re.compile(r"^Available of S at .*\(primary\)$"))
    await expect(cell).to_have_value("5")
    await cell.fill("42")
    await page.get_by_role("button", name="Save stock").click()
    await expect(page.get_by_role("status").filter(has_text="Stock saved")).to_be_visible()
    await expect(
        page.get_by_role("table", name="Stock by location").get_by_test_id("stock-total").first
    ).to_have_text("42")

    saved = await dashboard.api("GET", f"/api/products/{product_id}/stock")
    levels = {v["title"]: v["levels"][0]["available"] for v in saved["variants"]}
    assert levels == {"S": 42, "M": 7}
    product = await dashboard.api("GET", f"/api/products/{product_id}")
    assert product["total_inventory"] == 49


async def test_a_defined_metafield_is_offered_on_the_product_page(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    async with h.sessions() as session, session.begin():
        session.add(
            MetafieldDefinition(
                owner_type="PRODUCT",
                namespace="custom",
                key="fabric",
                name="Fabric",
                type="multi_line_text_field",
                shopify_definition_id="gid://shopify/MetafieldDefinition/1",
            )
        )
    product_id = await h.create_product()
    await dashboard.login()
    await dashboard.goto(f"/products/{product_id}")

    card = page.get_by_role("table", name="Metafields")
    await page.get_by_label("Add a defined metafield").select_option("custom.fabric")
    await expect(card.get_by_label("Metafield 1 type")).to_have_value("multi_line_text_field")
    await card.get_by_label("Metafield 1 value").fill("Linen")
    save_bar = page.get_by_role("region", name="Unsaved changes")
    await save_bar.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Product saved")).to_be_visible()

    product = await dashboard.api("GET", f"/api/products/{product_id}")
    assert [(m["key"], m["type"], m["value"]) for m in product["metafields"]] == [
        ("fabric", "multi_line_text_field", "Linen")
    ]


async def test_an_older_searchs_late_answer_never_replaces_the_newer_list(
    dashboard: Dashboard,
) -> None:
    """A search typed while an older one's answer is still on its way: the list shows the newer
    search's products whatever order the answers come back in, and stops saying it is busy once
    that newest answer is drawn."""
    h, page = dashboard.harness, dashboard.page
    await h.create_product()  # Linen Shirt
    await h.create_product(
        title="Wool Scarf", tags=["wool"], variants=[{"price": "12.00", "sku": "WS-1"}], options=[]
    )
    await dashboard.login()
    table = page.get_by_role("table", name="Products")
    await expect(table.get_by_role("row")).to_have_count(3)  # the header and both products
    wool_asked, wool_answered = asyncio.Event(), asyncio.Event()

    async def wool_answers_late(route: Route) -> None:
        if "q=wool" in route.request.url:
            wool_asked.set()
            await asyncio.sleep(1.5)
            wool_answered.set()
        with contextlib.suppress(PlaywrightError):  # the page may have aborted it meanwhile
            await route.continue_()

    await page.route(re.compile(r"/api/products\?"), wool_answers_late)
    search = page.get_by_role("searchbox", name="Search products")
    await search.fill("wool")
    await asyncio.wait_for(wool_asked.wait(), 10)
    await search.fill("linen")
    await expect(table.get_by_role("row")).to_have_count(2)
    await expect(table.get_by_role("link", name="Linen Shirt")).to_be_visible()
    await asyncio.wait_for(wool_answered.wait(), 10)
    await page.wait_for_timeout(500)  # time for a late answer to be drawn, were it used
    await expect(table.get_by_role("row")).to_have_count(2)
    await expect(table.get_by_role("link", name="Linen Shirt")).to_be_visible()
    await expect(page.locator(".table-wrap")).not_to_have_attribute("aria-busy", "true")


async def test_unit_pricing_is_shown_and_edited_on_the_product_page(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product(
        variants=[
            {"option_values": ["S"], "price": "30.00", "unit_price_measurement": "750 ML / 100 ML"},
            {"option_values": ["M"], "price": "30.00"},
        ]
    )
    dashboard.console.allow(r"status of 422")  # the mismatched units, shown next to the field
    await dashboard.login()
    await dashboard.goto(f"/products/{product_id}")

    small = page.get_by_label("Unit pricing for S", exact=True)
    medium = page.get_by_label("Unit pricing for M", exact=True)
    await expect(small).to_have_value("750 ML / 100 ML")
    await expect(medium).to_have_value("")
    save_bar = page.get_by_role("region", name="Unsaved changes")
    await medium.fill("1 l / 1 kg")
    await save_bar.get_by_role("button", name="Save").click()
    await expect(medium).to_have_attribute("aria-invalid", "true")

    await medium.fill("1 l / 1 l")
    await save_bar.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Product saved")).to_be_visible()
    saved = await dashboard.api("GET", f"/api/products/{product_id}")
    assert [v["unit_price_measurement"] for v in saved["variants"]] == [
        {
            "quantity_value": "750",
            "quantity_unit": "ML",
            "reference_value": 100,
            "reference_unit": "ML",
        },
        {"quantity_value": "1", "quantity_unit": "L", "reference_value": 1, "reference_unit": "L"},
    ]


async def test_the_last_shopify_fields_are_shown_and_edited_on_the_product_page(
    dashboard: Dashboard,
) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product(
        gift_card_template_suffix="fête",
        variants=[
            {
                "option_values": ["S"],
                "price": "30.00",
                "show_unit_price": True,
                "country_hs_codes": [
                    {"country_code": "US", "harmonized_system_code": "6109.10.0012"}
                ],
            },
            {"option_values": ["M"], "price": "30.00"},
        ],
    )
    await dashboard.login()
    await dashboard.goto(f"/products/{product_id}")

    small_codes = page.get_by_label("HS codes by country for S", exact=True)
    medium_codes = page.get_by_label("HS codes by country for M", exact=True)
    await expect(small_codes).to_have_value("US 6109.10.0012")
    await expect(medium_codes).to_have_value("")
    await expect(page.get_by_label("Gift card template suffix")).to_have_value("fête")
    await expect(page.get_by_text("Combined listing: —")).to_be_visible()

    await medium_codes.fill("ca 6109.10.00, US 6109.10.0012")
    await page.get_by_label("Province of origin for M", exact=True).fill("qc")
    save_bar = page.get_by_role("region", name="Unsaved changes")
    await save_bar.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Product saved")).to_be_visible()

    saved = await dashboard.api("GET", f"/api/products/{product_id}")
    small, medium = saved["variants"]
    assert medium["country_hs_codes"] == [
        {"country_code": "CA", "harmonized_system_code": "6109.10.00"},
        {"country_code": "US", "harmonized_system_code": "6109.10.0012"},
    ]
    assert medium["province_code_of_origin"] == "QC"
    # Not edited: kept as they were (the show-unit-price flag not sent, so not cleared).
    assert (small["show_unit_price"], medium["show_unit_price"]) == (True, None)
    assert saved["gift_card_template_suffix"] == "fête"


async def test_a_template_seo_or_province_emptied_on_the_page_is_saved_as_none_not_unknown(
    dashboard: Dashboard,
) -> None:
    """Emptied, a template suffix, an SEO text or a province of origin is "" (none: the push clears
    Shopify's); one not known here says so, and left empty it is not sent (stays not known)."""
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product(
        gift_card_template_suffix="fête",
        seo_title="Fête box | Shop",
        variants=[
            {"option_values": ["S"], "price": "30.00", "province_code_of_origin": "QC"},
            {"option_values": ["M"], "price": "30.00"},
        ],
    )
    await dashboard.login()
    await dashboard.goto(f"/products/{product_id}")

    theme = page.get_by_label("Theme template suffix")
    await expect(theme).to_have_attribute("placeholder", "Not known")
    medium = page.get_by_label("Province of origin for M", exact=True)
    await expect(medium).to_have_attribute("placeholder", "Not known")
    await expect(page.get_by_label("Meta description")).to_have_attribute(
        "placeholder", "Not known"
    )
    await page.get_by_label("Page title").fill("")
    await page.get_by_label("Gift card template suffix").fill("")
    await page.get_by_label("Province of origin for S", exact=True).fill("")
    save_bar = page.get_by_role("region", name="Unsaved changes")
    await save_bar.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Product saved")).to_be_visible()

    saved = await dashboard.api("GET", f"/api/products/{product_id}")
    assert (saved["gift_card_template_suffix"], saved["template_suffix"]) == ("", None)
    assert (saved["seo_title"], saved["seo_description"]) == ("", None)
    small, medium_saved = saved["variants"]
    assert (small["province_code_of_origin"], medium_saved["province_code_of_origin"]) == ("", None)
    await dashboard.goto(f"/products/{product_id}")
    await expect(page.get_by_label("Gift card template suffix")).to_have_attribute(
        "placeholder", "Default"
    )
    await expect(page.get_by_label("Page title")).to_have_attribute(
        "placeholder", "The product's title"
    )
    await expect(page.get_by_label("Province of origin for S", exact=True)).to_have_attribute(
        "placeholder", "None"
    )
