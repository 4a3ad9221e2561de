"""Inventory levels and items as extraction clients read them (`locations { inventoryLevels }`,
`inventoryItems`, `inventoryLevel(id:)`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from shopify_emulator.gid import is_numeric_id, make_gid, parse_numeric_gid
from shopify_emulator.inventory import (
    LEVEL_QUANTITY_NAMES,
    QUANTITY_NAMES,
    available_at,
    shop_location_id,
    stocked_at,
)
from shopify_emulator.models import Variant
from shopify_emulator.resolvers.context import ctx, store_of
from shopify_emulator.resolvers.objects import page_args
from shopify_emulator.resolvers.pagination import Connection, map_nodes, paginate
from shopify_emulator.resolvers.queries import location_view, query_predicate
from shopify_emulator.resolvers.views import Count, InventoryItemView, LocationView
from shopify_emulator.search.filters import (
    FieldMatcher,
    date_matches,
    exact_matches,
    id_matches,
)
from shopify_emulator.store import Store


@dataclass
class InventoryLevelView:
    """An inventory item's level at a location. At the primary its number is the item's (as
    when the shop had one location); elsewhere the location's, with the item in the query."""

    variant: Variant
    location: LocationView
    available: int
    primary: bool = True
    graphql_type = "InventoryLevel"

    @property
    def gid(self) -> str:
        item = self.variant.inventory_item_id
        number = item if self.primary else self.location.id
        return f"{make_gid('InventoryLevel', number)}?inventory_item_id={item}"

    @property
    def created_at(self) -> datetime:
        return self.variant.created_at

    @property
    def updated_at(self) -> datetime:
        return self.variant.updated_at


@dataclass
class InventoryQuantityView:
    level: InventoryLevelView
    name: str
    graphql_type = "InventoryQuantity"

    @property
    def gid(self) -> str:
        item = self.level.variant.inventory_item_id
        where = "" if self.level.primary else f"&location_id={self.level.location.id}"
        return (
            f"{make_gid('InventoryQuantity', item)}?inventory_item_id={item}"
            f"&name={self.name}{where}"
        )

    @property
    def quantity(self) -> int:
        return self.level.available if self.name in LEVEL_QUANTITY_NAMES else 0

    @property
    def updated_at(self) -> datetime:
        return self.level.variant.updated_at


def _items_by_id(store: Store) -> list[Variant]:
    """Variants ordered by inventory item id, cached until the store changes."""
    rows: list[Variant] = store.cached(
        ("inventory_items",),
        lambda: sorted(store.variants.values(), key=lambda v: v.inventory_item_id),
    )
    return rows


def _by_item(variant: Variant) -> tuple[int, int]:
    return (variant.inventory_item_id, variant.inventory_item_id)


_ITEM_FIELDS: dict[str, FieldMatcher[Variant]] = {
    "id": lambda t: lambda v: id_matches(t, v.inventory_item_id, "InventoryItem"),
    "sku": lambda t: lambda v: exact_matches(t, v.sku),
    "created_at": lambda t: lambda v: date_matches(t, v.created_at),
    "updated_at": lambda t: lambda v: date_matches(t, v.updated_at),
}
_LEVEL_FIELDS: dict[str, FieldMatcher[Variant]] = {
    "inventory_item_id": lambda t: lambda v: id_matches(t, v.inventory_item_id, "InventoryItem"),
    "created_at": lambda t: lambda v: date_matches(t, v.created_at),
    "updated_at": lambda t: lambda v: date_matches(t, v.updated_at),
}


def _filtered(
    info: GraphQLResolveInfo,
    query: str | None,
    resource: str,
    fields: dict[str, FieldMatcher[Variant]],
) -> list[Variant]:
    """Inventory items (or their levels: one each) matching `query`, in item id order; the
    match list is cached until the store changes, so each page does not filter again."""
    store = store_of(info)
    rows = _items_by_id(store)
    if not query:
        return rows
    predicate = query_predicate(
        info, query, fields, lambda term: lambda v: exact_matches(term, v.sku)
    )
    filtered: list[Variant] = store.cached(
        (resource, query), lambda: [v for v in rows if predicate(v)]
    )
    return filtered


def inventory_items(root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection[Any]:
    rows = _filtered(info, args.get("query"), "inventory_items", _ITEM_FIELDS)
    page = paginate(rows, _by_item, presorted=True, **page_args(args))
    return map_nodes(page, InventoryItemView)


def _item_view(store: Store, item_id: int | None) -> InventoryItemView | None:
    variant_id = store.inventory_items.get(item_id) if item_id is not None else None
    return InventoryItemView(store.variants[variant_id]) if variant_id is not None else None


def inventory_item(root: Any, info: GraphQLResolveInfo, id: str) -> InventoryItemView | None:
    return _item_view(store_of(info), parse_numeric_gid(id, "InventoryItem"))


def _level(store: Store, variant: Variant, location_id: int | None = None) -> InventoryLevelView:
    """The item's level at a location (the primary when none is given)."""
    location_id = location_id or store.location_id
    return InventoryLevelView(
        variant,
        location_view(store, location_id),
        available_at(store, variant, location_id) or 0,
        primary=location_id == store.location_id,
    )


def _stocked(store: Store, variant: Variant, location_id: int) -> InventoryLevelView | None:
    stocked = available_at(store, variant, location_id) is not None
    return _level(store, variant, location_id) if stocked else None


def level_by_number(store: Store, raw: str) -> InventoryLevelView | None:
    """A level by its gid's number and query (`InventoryLevelView.gid`)."""
    number, _, query = raw.partition("?")
    item_id = dict(p.partition("=")[::2] for p in query.split("&") if p).get("inventory_item_id")
    if not is_numeric_id(number):
        return None
    if int(number) in store.locations and item_id and is_numeric_id(item_id):
        item = _item_view(store, int(item_id))
        return _stocked(store, item.variant, int(number)) if item is not None else None
    item = _item_view(store, int(number))
    return _level(store, item.variant) if item is not None else None


def inventory_level(root: Any, info: GraphQLResolveInfo, id: str) -> InventoryLevelView | None:
    raw = id.removeprefix("gid://shopify/InventoryLevel/")
    return level_by_number(store_of(info), raw) if raw != id else None


def location_inventory_levels(
    location: LocationView, info: GraphQLResolveInfo, **args: Any
) -> Connection[Any]:
    store = store_of(info)
    rows = _filtered(info, args.get("query"), "inventory_levels", _LEVEL_FIELDS)
    if location.id != store.location_id:
        rows = [v for v in rows if location.id in v.other_levels]
    page = paginate(rows, _by_item, presorted=True, **page_args(args))
    return map_nodes(page, lambda variant: _level(store, variant, location.id))


def location_inventory_level(
    location: LocationView, info: GraphQLResolveInfo, inventoryItemId: str, **_: Any
) -> InventoryLevelView | None:
    store = store_of(info)
    item = _item_view(store, parse_numeric_gid(inventoryItemId, "InventoryItem"))
    return _stocked(store, item.variant, location.id) if item is not None else None


def item_inventory_levels(
    item: InventoryItemView, info: GraphQLResolveInfo, **args: Any
) -> Connection[Any]:
    store = store_of(info)
    levels = [_level(store, item.variant, at) for at in stocked_at(store, item.variant)]
    return paginate(levels, lambda level: (level.location.id, level.location.id), **page_args(args))


def item_inventory_level(
    item: InventoryItemView, info: GraphQLResolveInfo, locationId: str, **_: Any
) -> InventoryLevelView | None:
    store = store_of(info)
    location_id = shop_location_id(store, locationId)
    return _stocked(store, item.variant, location_id) if location_id is not None else None


def level_quantities(
    level: InventoryLevelView, info: GraphQLResolveInfo, names: list[str]
) -> list[InventoryQuantityView]:
    unknown = [n for n in names if n not in QUANTITY_NAMES]
    if unknown:
        raise GraphQLError(
            f"The quantity names {unknown} are invalid. Valid values: {', '.join(QUANTITY_NAMES)}.",
            extensions={"code": "BAD_REQUEST"},
        )
    return [InventoryQuantityView(level, name) for name in names]


def duplicate_sku_count(item: InventoryItemView, info: GraphQLResolveInfo) -> int:
    store = store_of(info)
    counts: Counter[str] = store.cached(
        ("sku_counts",), lambda: Counter(v.sku for v in store.variants.values() if v.sku)
    )
    return counts[item.variant.sku] - 1 if item.variant.sku else 0


def inventory_history_url(item: InventoryItemView, info: GraphQLResolveInfo) -> str:
    shop = ctx(info).state.config.shop_domain
    return f"https://{shop}/admin/products/inventory/{item.variant.inventory_item_id}/inventory_history"


INVENTORY_ITEM: dict[str, Any] = {
    "duplicateSkuCount": duplicate_sku_count,
    "inventoryHistoryUrl": inventory_history_url,
    "inventoryLevel": item_inventory_level,
    "inventoryLevels": item_inventory_levels,
    "locationsCount": lambda i, info: Count(len(stocked_at(store_of(info), i.variant))),
    "provinceCodeOfOrigin": lambda i, info: i.variant.province_code_of_origin,
}
INVENTORY_LEVEL: dict[str, Any] = {
    "canDeactivate": lambda level, info: False,
    "deactivationAlert": lambda level, info: None,
    "isActive": lambda level, info: True,
    "item": lambda level, info: InventoryItemView(level.variant),
    "quantities": level_quantities,
}
LOCATION: dict[str, Any] = {
    "inventoryLevel": location_inventory_level,
    "inventoryLevels": location_inventory_levels,
}
QUERY: dict[str, Any] = {
    "inventoryItem": inventory_item,
    "inventoryItems": inventory_items,
    "inventoryLevel": inventory_level,
}
