from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from product_dashboard.models import MetafieldOwner


class MetafieldDefinitionRead(BaseModel):
    """A definition as Shopify holds it: a `namespace.key` of products (`PRODUCT`) or variants
    (`PRODUCTVARIANT`), the metafield type its values take, its name and description."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_type: MetafieldOwner
    namespace: str
    key: str
    name: str
    type: str
    description: str | None
    shopify_definition_id: str | None
