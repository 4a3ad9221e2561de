"""A full pull reads the store's product and variant metafield definitions into the catalog
(upserted by Shopify id, gone ones removed); the API lists them to any signed-in user."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.models import MetafieldDefinition
from product_dashboard.shopify import documents
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import GraphQLError
from product_dashboard.shopify.types import GraphQLResponse
from product_dashboard.sync.pull.engine import PullParams
from shopify_emulator.testing import EmulatorServer
from tests.fixtures.emulator import EMULATOR_TOKEN
from tests.sync.pull.conftest import Store, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]

CREATE = """
mutation($definition: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $definition) {
    createdDefinition { id }
    userErrors { message }
  }
}
"""
DELETE = """
mutation($id: ID!) {
  metafieldDefinitionDelete(id: $id) { deletedDefinitionId userErrors { message } }
}
"""


async def define(store: Store, owner: str, key: str, type: str, **extra: Any) -> str:
    definition = {"ownerType": owner, "namespace": "custom", "key": key, "type": type, **extra}
    response = await store.client.execute(
        CREATE, {"definition": {"name": key.title(), **definition}}, idempotent=False
    )
    payload = response.data["metafieldDefinitionCreate"]
    assert payload["userErrors"] == []
    created: str = payload["createdDefinition"]["id"]
    return created


async def stored(sessions: Sessions) -> dict[str, tuple[str, str, str, str | None]]:
    async with sessions() as session:
        rows = await session.scalars(select(MetafieldDefinition))
        return {
            row.shopify_definition_id or "": (row.owner_type, row.key, row.type, row.description)
            for row in rows
        }


async def test_a_full_pull_keeps_the_definitions_as_shopify_holds_them(
    sessions: Sessions, store: Store, emulator_server: EmulatorServer
) -> None:
    await store.seed(3)
    fabric = await define(
        store, "PRODUCT", "fabric", "single_line_text_field", description="Made of"
    )
    care = await define(store, "PRODUCT", "care", "multi_line_text_field")
    size = await define(store, "PRODUCTVARIANT", "size_cm", "number_integer")

    report = await pull(sessions, store, PullParams(kind="full"))

    assert report.definitions == {"added": 3, "updated": 0, "removed": 0, "unchanged": 0}
    assert await stored(sessions) == {
        fabric: ("PRODUCT", "fabric", "single_line_text_field", "Made of"),
        care: ("PRODUCT", "care", "multi_line_text_field", None),
        size: ("PRODUCTVARIANT", "size_cm", "number_integer", None),
    }

    # In Shopify: one deleted, one renamed (the merchant edits names), one added.
    await store.client.execute(DELETE, {"id": care}, idempotent=False)
    definitions = emulator_server.app.state.emulator.store.metafield_definitions
    next(d for d in definitions.values() if d.gid == fabric).description = "Fibre"
    origin = await define(store, "PRODUCT", "origin", "single_line_text_field")
    incremental = await pull(sessions, store, PullParams(kind="incremental"))
    assert incremental.definitions is None  # only a full pull reads them
    again = await pull(sessions, store, PullParams(kind="full"))

    assert again.definitions == {"added": 1, "updated": 1, "removed": 1, "unchanged": 1}
    assert await stored(sessions) == {
        fabric: ("PRODUCT", "fabric", "single_line_text_field", "Fibre"),
        size: ("PRODUCTVARIANT", "size_cm", "number_integer", None),
        origin: ("PRODUCT", "origin", "single_line_text_field", None),
    }
    assert (await pull(sessions, store, PullParams(kind="full"))).definitions == {
        "added": 0,
        "updated": 0,
        "removed": 0,
        "unchanged": 3,
    }


async def test_the_api_lists_the_pulled_definitions_to_a_viewer(
    client: httpx.AsyncClient, viewer_headers: dict[str, str], sessions: Sessions, store: Store
) -> None:
    await define(store, "PRODUCT", "fabric", "single_line_text_field")
    await define(store, "PRODUCTVARIANT", "size_cm", "number_integer")
    await pull(sessions, store, PullParams(kind="full"))

    response = await client.get("/api/metafield-definitions", headers=viewer_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    assert [(d["owner_type"], d["namespace"], d["key"], d["type"]) for d in body["items"]] == [
        ("PRODUCT", "custom", "fabric", "single_line_text_field"),
        ("PRODUCTVARIANT", "custom", "size_cm", "number_integer"),
    ]
    response = await client.get(
        "/api/metafield-definitions",
        params={"owner_type": "PRODUCTVARIANT"},
        headers=viewer_headers,
    )
    assert [d["key"] for d in response.json()["items"]] == ["size_cm"]
    assert (await client.get("/api/metafield-definitions")).status_code == 401
    response = await client.post("/api/metafield-definitions", headers=viewer_headers)
    assert response.status_code == 405  # read-only: Shopify's definitions


class _NoDefinitions(ShopifyClient):
    """The store's client, but a token without access to metafield definitions."""

    async def execute(self, document: str, *args: Any, **kwargs: Any) -> GraphQLResponse:
        if document == documents.METAFIELD_DEFINITIONS:
            raise GraphQLError("Access denied for metafieldDefinitions field.", errors=[])
        return await super().execute(document, *args, **kwargs)


async def test_definitions_that_cannot_be_read_do_not_stop_the_products(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(4)
    store.client = _NoDefinitions(store.url, EMULATOR_TOKEN, http=store.http)

    report = await pull(sessions, store, PullParams(kind="full"))

    assert report.outcomes == {"created": 4}
    assert report.definitions is None
    assert report.errors == [
        {
            "kind": "metafield_definitions",
            "error": "Definitions not read: Access denied for metafieldDefinitions field.",
        }
    ]
