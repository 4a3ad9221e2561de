"""ORM collection → API shape."""

from __future__ import annotations

from product_dashboard.collection.schemas import CollectionRead, CollectionSyncState
from product_dashboard.models import Collection
from product_dashboard.product.rules import Rule


def sync_state(collection: Collection) -> CollectionSyncState:
    if collection.sync_error:
        return "error"
    if collection.synced_version is None:
        return "never_synced"
    return "pending" if collection.version > collection.synced_version else "synced"


def collection_read(collection: Collection, products_count: int | None) -> CollectionRead:
    return CollectionRead(
        id=collection.id,
        title=collection.title,
        handle=collection.handle,
        description_html=collection.description_html,
        collection_type="smart" if collection.collection_type == "smart" else "manual",
        rules=[Rule.model_validate(rule) for rule in collection.rules],
        disjunctive=collection.disjunctive,
        sort_order=collection.sort_order,
        products_count=products_count,
        auto_generated=collection.auto_key is not None,
        version=collection.version,
        sync_state=sync_state(collection),
        shopify_collection_id=collection.shopify_collection_id,
        synced_at=collection.synced_at,
        created_at=collection.created_at,
        updated_at=collection.updated_at,
    )
