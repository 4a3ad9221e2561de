"""Every screen: renders without console errors at laptop and tablet widths, labelled controls,
keyboard reachable, no sideways scrolling; and the description sanitiser against known vectors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import LAPTOP, TABLET, Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]

# Controls without an accessible name, text a left-out value became, and whether the page
# scrolls sideways.
AUDIT = """() => {
  const visible = (el) => el.offsetParent !== null || el.getClientRects().length > 0;
  const named = (el) => {
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) return true;
    if (el.labels && el.labels.length) return true;
    if (el.closest("label")) return true;
    if (el.tagName === "BUTTON" || el.tagName === "A") return el.textContent.trim().length > 0;
    return Boolean(el.getAttribute("title"));
  };
  const controls = [...document.querySelectorAll("input, select, textarea, button, a[href]")];
  // A value the page meant to leave out, written as text (`replaceChildren(null)` writes "null").
  const stray = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.nodeValue.trim();
    if (["null", "undefined", "[object Object]", "NaN"].includes(text)) {
      stray.push(walker.currentNode.parentElement.outerHTML.slice(0, 160));
    }
  }
  return {
    stray,
    unnamed: controls.filter((el) => visible(el) && el.type !== "hidden" && !named(el))
      .map((el) => el.outerHTML.slice(0, 120)),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    h1: [...document.querySelectorAll("h1")].filter(visible).length,
  };
}"""

SANITIZE = """async (vectors) => {
  const { sanitizeHtml } = await import("/static/js/core/sanitize.js");
  return vectors.map((html) => {
    const box = document.createElement("div");
    box.append(sanitizeHtml(html));
    return box.innerHTML;
  });
}"""


async def _screens(dashboard: Dashboard) -> list[tuple[str, str]]:
    product_id = await dashboard.harness.create_product(
        description_html="<h2>Care</h2><ul><li>Cold wash</li></ul>"
    )
    collection = await dashboard.api(
        "POST",
        "/api/collections",
        json={"title": "Linen", "collection_type": "manual", "product_ids": [product_id]},
    )
    smart = await dashboard.api(
        "POST",
        "/api/collections",
        json={
            "title": "Acme",
            "collection_type": "smart",
            "rules": [{"column": "VENDOR", "relation": "EQUALS", "condition": "Acme"}],
        },
    )
    return [
        ("/products", "Products"),
        (f"/products/{product_id}", "Linen Shirt"),
        ("/products/new", "Add product"),
        ("/products/editor", "Bulk editor"),
        ("/collections", "Collections"),
        (f"/collections/{collection['id']}", "Linen"),
        (f"/collections/{smart['id']}", "Acme"),
        ("/sync", "Sync with Shopify"),
        ("/conflicts", "Conflicts"),
        ("/activity", "Activity"),
        ("/no-such-page", "Page not found"),
    ]


async def _audit(dashboard: Dashboard, screens: list[tuple[str, str]]) -> None:
    page = dashboard.page
    for path, heading in screens:
        await dashboard.goto(path)
        await expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
        await page.wait_for_load_state("networkidle")
        audit: dict[str, Any] = await page.evaluate(AUDIT)
        assert audit["unnamed"] == [], f"{path}: controls without a label"
        assert audit["stray"] == [], f"{path}: a left-out value shown as text"
        assert audit["overflow"] <= 0, f"{path}: scrolls sideways by {audit['overflow']}px"
        assert audit["h1"] == 1, f"{path}: one page heading"


async def test_every_screen_at_laptop_and_tablet_width(dashboard: Dashboard) -> None:
    screens = await _screens(dashboard)
    await dashboard.login()
    await _audit(dashboard, screens)
    await dashboard.page.set_viewport_size(TABLET)
    await _audit(dashboard, screens)
    await dashboard.page.set_viewport_size(LAPTOP)


async def test_every_screen_as_a_viewer(dashboard: Dashboard) -> None:
    """A viewer's screens leave out what they may not use: nothing of it shows as text."""
    screens = [
        (path, heading)
        for path, heading in await _screens(dashboard)
        if path not in ("/products/new", "/products/editor")
    ]
    await dashboard.login(dashboard.viewer_email)
    await _audit(dashboard, screens)


async def test_keyboard_only_navigation_and_dialogs(dashboard: Dashboard) -> None:
    page = dashboard.page
    await dashboard.harness.create_product()
    await dashboard.login_through_the_page()
    await expect(page.locator("main")).to_be_focused()  # an in-app navigation focuses content
    await dashboard.goto("/products")
    await expect(page.get_by_role("table", name="Products")).to_be_visible()

    # After a page load the first Tab lands on the skip link; it moves focus to the content.
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    await expect(skip).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()

    # Select a product and open a batch dialog without a mouse; Escape closes it.
    box = page.get_by_role("checkbox", name="Select Linen Shirt")
    await box.focus()
    await page.keyboard.press("Space")
    await expect(box).to_be_checked()
    change = page.get_by_role("toolbar", name="Bulk actions").get_by_role(
        "button", name="Set status"
    )
    await change.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Set status · 1 products")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator(":focus")).to_have_count(1)  # focus moved into the dialog
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()

    # Main navigation by keyboard.
    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Collections").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Collections", exact=True)).to_be_visible()
    await expect(nav.get_by_role("link", name="Collections")).to_have_attribute(
        "aria-current", "page"
    )


async def test_description_sanitiser_drops_active_content(dashboard: Dashboard) -> None:
    await dashboard.goto("/login")
    vectors = [
        '<p onclick="x()">Hi <b>there</b></p>',
        '<svg onload="alert(1)"><circle/></svg>text',
        '<a href=" JaVaScRiPt:alert(1)">x</a><a href="https://shop.example/care">care</a>',
        '<img src="data:text/html;base64,PHNjcmlwdD4=" alt="a"><img src="/media/a.png" alt="b">',
        "<style>body{display:none}</style><math><mi>x</mi></math><form><input></form>ok",
        "<custom-el><span title='t' style='color:red'>kept</span></custom-el>",
        "<table><tr><td colspan='2' onmouseover='x'>cell</td></tr></table>",
        "<p>a</p><!-- comment --><template><b>no</b></template><noscript>no</noscript>",
        "<p/onclick=alert(1)>b</p><div\tonmouseover='x' title=\"on=1\">c</div>",
    ]
    rendered = await dashboard.page.evaluate(SANITIZE, vectors)
    assert rendered == [
        "<p>Hi <b>there</b></p>",
        "text",
        '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'
        '<a href="https://shop.example/care" rel="noopener noreferrer nofollow" '
        'target="_blank">care</a>',
        '<img src="/media/a.png" alt="b" loading="lazy" referrerpolicy="no-referrer">',
        "ok",
        '<span title="t">kept</span>',
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>',
        "<p>a</p>",
        '<p>b</p><div title="on=1">c</div>',
    ]
