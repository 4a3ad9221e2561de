"""Which products belong to a collection, as one SQL condition on `product`.

Smart membership is computed by query when read (never stored), so it is always current: every
product write is immediately reflected without triggers or refresh jobs. The conditions use the
same indexes as the product list (type, vendor, tag_key, variant product_id).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.exceptions import Unprocessable
from product_dashboard.models import Collection, CollectionProduct, CollectionType, Product
from product_dashboard.product.rules import Rule, rules_condition


def manual_members(collection_id: int) -> ColumnElement[bool]:
    return Product.id.in_(
        select(CollectionProduct.product_id).where(CollectionProduct.collection_id == collection_id)
    )


def membership_condition(collection: Collection) -> ColumnElement[bool]:
    if collection.collection_type == CollectionType.manual:
        return manual_members(collection.id)
    rules = [Rule.model_validate(rule) for rule in collection.rules]
    return rules_condition(rules, collection.disjunctive)


async def collection_condition(session: AsyncSession, collection_id: int) -> ColumnElement[bool]:
    """The membership condition of a live collection; 422 when it does not exist."""
    collection = await session.get(Collection, collection_id)
    if collection is None or collection.deleted_at is not None:
        raise Unprocessable(
            f"Collection {collection_id} does not exist.",
            fields=[{"loc": ["collection_id"], "msg": "no such collection"}],
        )
    return membership_condition(collection)
