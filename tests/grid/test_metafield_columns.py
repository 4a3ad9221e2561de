"""The bulk editor offers a column per product metafield definition: it shows the product's
value, writes it with the defined type, clears it when emptied, and refuses a product whose
metafields the dashboard has not read in full."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.models import MetafieldDefinition, Product
from tests.batch.helpers import fetch
from tests.product.factories import create_product

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]
COLUMN = "metafield.custom.fabric"


async def define(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session, session.begin():
        for owner, key, name in (("PRODUCT", "fabric", "Fabric"), ("PRODUCTVARIANT", "size", "S")):
            session.add(
                MetafieldDefinition(
                    owner_type=owner,
                    namespace="custom",
                    key=key,
                    name=name,
                    type="single_line_text_field",
                    shopify_definition_id=f"gid://shopify/MetafieldDefinition/{key}",
                )
            )


async def edit(client: httpx.AsyncClient, headers: Headers, product_id: int, value: object) -> int:
    cell = {"product_id": product_id, "field": COLUMN, "value": value}
    r = await client.post(
        "/api/products/batch/update-cells", json={"cells": [cell]}, headers=headers
    )
    return r.status_code


async def test_a_defined_metafield_is_a_column_read_written_and_cleared(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await define(sessionmaker)
    metafield = {"namespace": "custom", "key": "fabric", "type": "single_line_text_field"}
    product = await create_product(
        client, editor_headers, metafields=[{**metafield, "value": "linen"}]
    )

    r = await client.get("/api/products/grid/columns", headers=editor_headers)
    columns = {c["key"]: c["label"] for c in r.json()}
    assert columns[COLUMN] == "Fabric"
    assert "metafield.custom.size" not in columns  # variant definitions: not an editor column
    r = await client.get("/api/products/grid", params={"columns": COLUMN}, headers=editor_headers)
    assert r.json()["rows"][0]["values"] == {COLUMN: "linen"}

    assert await edit(client, editor_headers, product["id"], "wool") == 200
    stored = (await fetch(client, editor_headers, product["id"]))["metafields"]
    assert [(m["key"], m["type"], m["value"]) for m in stored] == [
        ("fabric", "single_line_text_field", "wool")
    ]
    assert await edit(client, editor_headers, product["id"], "") == 200
    assert (await fetch(client, editor_headers, product["id"]))["metafields"] == []
    assert await edit(client, editor_headers, product["id"], "silk") == 200
    stored = (await fetch(client, editor_headers, product["id"]))["metafields"]
    assert [(m["key"], m["value"]) for m in stored] == [("fabric", "silk")]


async def test_metafields_not_read_in_full_are_not_edited(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await define(sessionmaker)
    product = await create_product(client, editor_headers)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product).where(Product.id == product["id"]).values(metafields_complete=False)
        )
    assert await edit(client, editor_headers, product["id"], "wool") == 409
    assert (await fetch(client, editor_headers, product["id"]))["metafields"] == []
