"""Re-importing the dashboard's own export changes nothing, on a synced demo catalog."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.demo import seed_demo_catalog
from product_dashboard.models import ProductVariant
from tests.importer.test_import import Headers, upload

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def _variants(engine: AsyncEngine) -> list[tuple[int, int, str | None]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(
                ProductVariant.id, ProductVariant.product_id, ProductVariant.shopify_variant_id
            ).order_by(ProductVariant.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.mark.parametrize("format", ["csv", "shopify_csv"])
async def test_reimporting_an_export_of_a_synced_demo_catalog_is_a_no_op(
    client: httpx.AsyncClient, editor_headers: Headers, engine: AsyncEngine, format: str
) -> None:
    await seed_demo_catalog(engine, 120, seed=3)
    async with engine.begin() as connection:
        await connection.execute(
            update(ProductVariant).values(
                shopify_variant_id=func.concat("gid://shopify/ProductVariant/", ProductVariant.id)
                if engine.dialect.name == "postgresql"
                else "gid://shopify/ProductVariant/"
                + ProductVariant.id.cast(type_=ProductVariant.sku.type)
            )
        )
    before = await _variants(engine)
    exported = await client.post(
        "/api/products/batch/export", json={"format": format, "filter": {}}, headers=editor_headers
    )
    assert exported.status_code == 200
    r = await upload(client, editor_headers, exported.text)
    assert r.status_code == 200, r.text
    report = r.json()
    changed = [x for x in report["results"] if x["outcome"] != "unchanged"]
    assert changed == [] and report["unchanged"] == 120, [x["reason"] for x in changed]
    assert await _variants(engine) == before
