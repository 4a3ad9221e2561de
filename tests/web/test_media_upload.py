"""The product page's media card uploads an image file (#16 item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.product.factories import png
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]


async def test_an_image_file_is_uploaded_from_the_product_page(
    dashboard: Dashboard, tmp_path: Path
) -> None:
    h, page = dashboard.harness, dashboard.page
    dashboard.console.allow(r"status of 422")  # the text file, refused and explained
    product_id = await h.create_product(title="Desk Lamp")
    photo = tmp_path / "lamp.png"
    photo.write_bytes(png(9))
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("just text", encoding="utf-8")
    await dashboard.login()
    await dashboard.goto(f"/products/{product_id}")
    media = page.get_by_role("list", name="Media")
    await expect(media.get_by_test_id("media-item")).to_have_count(0)

    await page.get_by_label("Image file").set_input_files(str(not_an_image))
    await page.get_by_role("button", name="Upload image").click()
    await expect(page.get_by_test_id("media-upload-status")).to_contain_text(
        "not a JPEG, PNG, GIF or WebP image"
    )

    await page.get_by_label("Image file").set_input_files(str(photo))
    await page.get_by_role("button", name="Upload image").click()
    await expect(media.get_by_test_id("media-item")).to_have_count(1)
    product = await dashboard.api("GET", f"/api/products/{product_id}")
    (image,) = product["images"]
    assert image["local"] is True and image["src"].endswith(".png")
    await expect(media).to_contain_text(image["src"].rsplit("/", 1)[1])
