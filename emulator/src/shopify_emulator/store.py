"""The in-memory store: records, indexes, change tracking and change events."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shopify_emulator.clock import utc_now
from shopify_emulator.gid import IdSequence
from shopify_emulator.handles import slugify, unique_handle
from shopify_emulator.idempotency import IdempotencyKeys
from shopify_emulator.models import (
    Collection,
    Location,
    MetafieldDefinition,
    Product,
    UrlRedirect,
    Variant,
)

logger = logging.getLogger("shopify_emulator.store")

# (topic, record) — topics are Shopify's webhook topics: "products/update", ...
ChangeListener = Callable[[str, Any], None]


@dataclass
class ChangeSet:
    """Ids written or deleted since the last snapshot."""

    products: set[int] = field(default_factory=set)
    deleted_products: set[int] = field(default_factory=set)
    collections: set[int] = field(default_factory=set)
    deleted_collections: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(
            self.products or self.deleted_products or self.collections or self.deleted_collections
        )


PRIMARY_LOCATION_ID = 71_234_567_890
EXTRA_LOCATION_NAMES = ("Warehouse", "Pop-up store", "Outlet", "Second warehouse")


class Store:
    """All products and collections of one shop, with handle and variant indexes."""

    def __init__(self, ids: IdSequence | None = None) -> None:
        self.ids = ids or IdSequence()
        self.products: dict[int, Product] = {}
        self.product_handles: dict[str, int] = {}
        self.variants: dict[int, Variant] = {}
        self.product_variant_ids: dict[int, set[int]] = {}
        self.inventory_items: dict[int, int] = {}
        self.collections: dict[int, Collection] = {}
        self.collection_handles: dict[str, int] = {}
        self.metafield_definitions: dict[int, MetafieldDefinition] = {}
        # UrlRedirect by id (catalog/redirects.py); kept in memory only, like the event log.
        self.url_redirects: dict[int, UrlRedirect] = {}
        self.idempotency = IdempotencyKeys()
        self.created_at = utc_now()
        self.location_id = PRIMARY_LOCATION_ID
        self.locations: dict[int, Location] = {}
        self.reset_locations()
        self.changes = ChangeSet()
        # Bumped on every change; keys caches of sorted product lists.
        self.version = 0
        self._cache: dict[Hashable, tuple[int, Any]] = {}
        self.listeners: list[ChangeListener] = []
        self.on_dirty: Callable[[], None] | None = None
        # `originalSource` -> (url, MIME type) of the file it names when it is a staged upload
        # (None: an ordinary URL); ValueError when the staged upload holds no file.
        self.staged_source: Callable[[str], tuple[str, str] | None] | None = None
        # Metaobject entries a linked option's values can be: gid -> display name (the value's
        # name). Made by the seed knob; the emulator models no other metaobject API.
        self.metaobjects: dict[str, str] = {}

    # --- events -------------------------------------------------------------------------
    def emit(self, topic: str, record: Any) -> None:
        """Tell listeners (webhooks) about a change; their failures never undo the write."""
        for listener in list(self.listeners):
            try:
                listener(topic, record)
            except Exception:
                logger.exception("change listener failed for %s", topic)

    def touch(self) -> None:
        """Ask for a snapshot although no record changed (e.g. webhook subscriptions)."""
        self._mark_dirty()

    def _mark_dirty(self) -> None:
        self.version += 1
        if self.on_dirty is not None:
            self.on_dirty()

    # --- time ---------------------------------------------------------------------------
    @staticmethod
    def next_timestamp(previous: datetime | None) -> datetime:
        """Now, but strictly after `previous`, so every real change moves updatedAt."""
        now = utc_now()
        if previous is not None and now <= previous:
            return previous + timedelta(seconds=1)
        return now

    # --- handles ------------------------------------------------------------------------
    def free_product_handle(self, title_or_handle: str, exclude_id: int | None = None) -> str:
        base = slugify(title_or_handle) or "product"
        return unique_handle(
            base, lambda h: h in self.product_handles and self.product_handles[h] != exclude_id
        )

    def free_collection_handle(self, title_or_handle: str, exclude_id: int | None = None) -> str:
        base = slugify(title_or_handle) or "collection"
        return unique_handle(
            base,
            lambda h: h in self.collection_handles and self.collection_handles[h] != exclude_id,
        )

    # --- products -----------------------------------------------------------------------
    def product_by_handle(self, handle: str) -> Product | None:
        product_id = self.product_handles.get(handle)
        return self.products.get(product_id) if product_id is not None else None

    def save_product(self, product: Product, *, created: bool) -> None:
        """Index a new or changed product and announce it."""
        previous = self.products.get(product.id)
        if (
            previous is not None
            and previous.handle != product.handle
            and self.product_handles.get(previous.handle) == product.id
        ):
            del self.product_handles[previous.handle]
        self.product_handles[product.handle] = product.id
        self.products[product.id] = product
        self.reindex_variants(product)
        self.changes.products.add(product.id)
        self.changes.deleted_products.discard(product.id)
        self._mark_dirty()
        self.emit("products/create" if created else "products/update", product)

    def reindex_variants(self, product: Product) -> None:
        current = {v.id for v in product.variants}
        for vid in self.product_variant_ids.get(product.id, set()) - current:
            stale = self.variants.pop(vid, None)
            if stale is not None:
                self.inventory_items.pop(stale.inventory_item_id, None)
        self.product_variant_ids[product.id] = current
        for variant in product.variants:
            self.variants[variant.id] = variant
            self.inventory_items[variant.inventory_item_id] = variant.id

    def delete_product(self, product: Product) -> None:
        self.products.pop(product.id, None)
        if self.product_handles.get(product.handle) == product.id:
            del self.product_handles[product.handle]
        for variant in product.variants:
            self.variants.pop(variant.id, None)
            self.inventory_items.pop(variant.inventory_item_id, None)
        self.product_variant_ids.pop(product.id, None)
        for collection in self.collections.values():
            if product.id in collection.product_ids:
                collection.product_ids.remove(product.id)
        self.changes.products.discard(product.id)
        self.changes.deleted_products.add(product.id)
        self._mark_dirty()
        self.emit("products/delete", product)

    # --- collections --------------------------------------------------------------------
    def collection_by_handle(self, handle: str) -> Collection | None:
        collection_id = self.collection_handles.get(handle)
        return self.collections.get(collection_id) if collection_id is not None else None

    def save_collection(self, collection: Collection, *, created: bool) -> None:
        previous = self.collections.get(collection.id)
        if (
            previous is not None
            and previous.handle != collection.handle
            and self.collection_handles.get(previous.handle) == collection.id
        ):
            del self.collection_handles[previous.handle]
        self.collection_handles[collection.handle] = collection.id
        self.collections[collection.id] = collection
        self.changes.collections.add(collection.id)
        self.changes.deleted_collections.discard(collection.id)
        self._mark_dirty()
        self.emit("collections/create" if created else "collections/update", collection)

    def mark_collection_changed(self, collection_id: int) -> None:
        """Membership of a manual collection changed (no webhook, but persist it)."""
        self.changes.collections.add(collection_id)
        self._mark_dirty()

    def delete_collection(self, collection: Collection) -> None:
        self.collections.pop(collection.id, None)
        if self.collection_handles.get(collection.handle) == collection.id:
            del self.collection_handles[collection.handle]
        self.changes.collections.discard(collection.id)
        self.changes.deleted_collections.add(collection.id)
        self._mark_dirty()
        self.emit("collections/delete", collection)

    def sorted_products(self, name: str, key: Callable[[Product], Any]) -> list[Product]:
        """All products ordered by `key`, cached until the store next changes."""
        ordered: list[Product] = self.cached(
            ("sorted", name), lambda: sorted(self.products.values(), key=key)
        )
        return ordered

    def cached(self, name: Hashable, compute: Callable[[], Any]) -> Any:
        """`compute()`, remembered until the store next changes."""
        hit = self._cache.get(name)
        if hit is not None and hit[0] == self.version:
            return hit[1]
        if len(self._cache) > 256:
            self._cache.clear()
        value = compute()
        self._cache[name] = (self.version, value)
        return value

    # --- locations ----------------------------------------------------------------------
    def add_metaobject(self, display_name: str) -> str:
        """A metaobject entry (as of a `shopify--color-pattern` definition, say); its gid."""
        gid = f"gid://shopify/Metaobject/{self.ids.next()}"
        self.metaobjects[gid] = display_name
        return gid

    def reset_locations(self) -> None:
        """Back to the one (primary) location every shop has."""
        self.locations = {
            self.location_id: Location(
                self.location_id, "Shop location", self.created_at, ships_inventory=True
            )
        }

    def ensure_locations(self, count: int) -> list[Location]:
        """At least `count` active locations (the primary first); the new ones are added after
        it, with ids following it."""
        while len(self.locations) < count:
            index = len(self.locations) - 1
            name = EXTRA_LOCATION_NAMES[index % len(EXTRA_LOCATION_NAMES)]
            location_id = self.location_id + 1_000 * (index + 1)
            self.locations[location_id] = Location(location_id, name, utc_now())
        self._mark_dirty()
        return list(self.locations.values())

    @property
    def primary_location(self) -> Location:
        return self.locations[self.location_id]

    # --- whole store --------------------------------------------------------------------
    def clear(self) -> None:
        for product_id in list(self.products):
            self.changes.deleted_products.add(product_id)
        for collection_id in list(self.collections):
            self.changes.deleted_collections.add(collection_id)
        self.changes.products.clear()
        self.changes.collections.clear()
        self.products.clear()
        self.metaobjects.clear()
        self.product_handles.clear()
        self.variants.clear()
        self.product_variant_ids.clear()
        self.inventory_items.clear()
        self.idempotency.clear()
        self.collections.clear()
        self.collection_handles.clear()
        self.metafield_definitions.clear()
        self.url_redirects = {}
        self.reset_locations()
        self._mark_dirty()

    def take_changes(self) -> ChangeSet:
        changes, self.changes = self.changes, ChangeSet()
        return changes
