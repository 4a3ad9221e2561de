"""A column that depends on data comes from a source and needs a relationship loaded: one
registration makes it show in the grid, take edits as a batch, undo, and be saved in a view."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.grid import columns as grid_columns
from product_dashboard.grid.columns import CellValue, GridColumn
from product_dashboard.models import Product, ProductVariant
from tests.batch.helpers import fetch
from tests.product.factories import create_product

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]


def _read_alt(product: Product, variant: ProductVariant) -> CellValue:
    return product.images[0].alt if product.images else None


def _write_alt(product: Product, variant: ProductVariant, value: CellValue) -> None:
    if product.images:  # lazy="raise": this fails unless the grid loaded the relation
        product.images[0].alt = None if value is None else str(value)


async def _alt_column(session: AsyncSession) -> list[GridColumn]:
    return [
        GridColumn(
            key="first_image_alt",
            label="Image alt text",
            level="product",
            kind="text",
            read=_read_alt,
            parse=lambda value: None if value in (None, "") else str(value),
            write=_write_alt,
            relations=(Product.images,),
        )
    ]


@pytest.fixture
def alt_column() -> Iterator[None]:
    grid_columns.register_source(_alt_column)
    yield
    grid_columns.SOURCES.remove(_alt_column)


async def test_a_sourced_column_is_shown_edited_undone_and_saved_in_a_view(
    client: httpx.AsyncClient, editor_headers: Headers, alt_column: None
) -> None:
    product = await create_product(
        client, editor_headers, images=[{"src": "https://example.com/a.png", "alt": "Front"}]
    )
    r = await client.get("/api/products/grid/columns", headers=editor_headers)
    assert "first_image_alt" in [c["key"] for c in r.json()]
    r = await client.get(
        "/api/products/grid", params={"columns": "first_image_alt,price"}, headers=editor_headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["rows"][0]["values"] == {"first_image_alt": "Front", "price": "19.99"}

    cell = {"product_id": product["id"], "field": "first_image_alt", "value": "Back"}
    r = await client.post(
        "/api/products/batch/update-cells", json={"cells": [cell]}, headers=editor_headers
    )
    assert r.status_code == 200, r.text
    assert (await fetch(client, editor_headers, product["id"]))["images"][0]["alt"] == "Back"
    r = await client.post(
        f"/api/products/batch/{r.json()['batch_id']}/undo", headers=editor_headers
    )
    assert r.status_code == 200, r.text
    assert (await fetch(client, editor_headers, product["id"]))["images"][0]["alt"] == "Front"

    view = {"name": "Alt texts", "columns": ["first_image_alt"]}
    assert (await client.post("/api/views", json=view, headers=editor_headers)).status_code == 201
    view = {"name": "Bad", "columns": ["no_such_column"]}
    r = await client.post("/api/views", json=view, headers=editor_headers)
    assert r.status_code == 422 and "no_such_column" in r.json()["detail"]
