"""Read every product and variant metafield definition from Shopify into `metafield_definition`.

Upserted by Shopify id; a definition Shopify no longer has is removed (the metafields it
described stay: they are the merchant's data, not the definition's).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.models import MetafieldDefinition, MetafieldOwner
from product_dashboard.shopify import documents
from product_dashboard.shopify.client import ShopifyClient

PAGE_SIZE = documents.largest_page(
    documents.METAFIELD_DEFINITIONS, {"ownerType": "PRODUCT"}, limit=250
)


class _DefinitionType(BaseModel):
    name: str


class RemoteDefinition(BaseModel):
    """A MetafieldDefinition node as `documents.METAFIELD_DEFINITIONS` reads it."""

    id: str
    namespace: str
    key: str
    name: str
    description: str | None = None
    ownerType: MetafieldOwner
    type: _DefinitionType


@dataclass(slots=True)
class DefinitionsPulled:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
        }


async def remote_definitions(
    client: ShopifyClient, owner: MetafieldOwner
) -> AsyncIterator[RemoteDefinition]:
    after: str | None = None
    while True:
        response = await client.execute(
            documents.METAFIELD_DEFINITIONS,
            {"ownerType": owner.value, "first": PAGE_SIZE, "after": after},
        )
        connection = response.data["metafieldDefinitions"]
        for node in connection["nodes"]:
            yield RemoteDefinition.model_validate(node)
        info = connection["pageInfo"]
        if not info.get("hasNextPage"):
            return
        after = info.get("endCursor")


async def pull_definitions(session: AsyncSession, client: ShopifyClient) -> DefinitionsPulled:
    """Make the table hold exactly Shopify's product and variant definitions (read first, then
    written; the caller commits)."""
    remote: dict[str, RemoteDefinition] = {}
    for owner in MetafieldOwner:
        async for definition in remote_definitions(client, owner):
            remote[definition.id] = definition
    report = DefinitionsPulled()
    gone = await session.execute(
        delete(MetafieldDefinition).where(
            MetafieldDefinition.shopify_definition_id.is_(None)
            | MetafieldDefinition.shopify_definition_id.not_in(list(remote) or [""])
        )
    )
    report.removed = gone.rowcount or 0  # type: ignore[attr-defined]
    rows = await session.scalars(select(MetafieldDefinition))
    stored = {row.shopify_definition_id: row for row in rows}
    for shopify_id, definition in remote.items():
        values = {
            "owner_type": definition.ownerType.value,
            "namespace": definition.namespace,
            "key": definition.key,
            "name": definition.name,
            "type": definition.type.name,
            "description": definition.description,
        }
        row = stored.get(shopify_id)
        if row is None:
            session.add(MetafieldDefinition(shopify_definition_id=shopify_id, **values))
            report.added += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            report.updated += 1
        else:
            report.unchanged += 1
    await session.flush()
    return report
