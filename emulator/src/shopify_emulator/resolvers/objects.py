"""Field resolvers for Product, ProductVariant, options, inventory and media."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from shopify_emulator.catalog.collections import collection_member_ids
from shopify_emulator.catalog.taxonomy import TaxonomyCategory
from shopify_emulator.catalog.unit_price import unit_price_view
from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.models import Collection, Metafield, Product, Variant
from shopify_emulator.resolvers.context import ctx, store_of
from shopify_emulator.resolvers.pagination import Connection, map_nodes, paginate, text_key
from shopify_emulator.resolvers.views import (
    Count,
    ImageView,
    InventoryItemView,
    MeasurementView,
    MoneyV2,
    OptionValueView,
    OptionView,
    PriceRange,
    SelectedOption,
    Seo,
    Weight,
    option_value_views,
)
from shopify_emulator.rules import matches_rule_set

Resolver = Any
_TAG = re.compile(r"<[^>]+>")


def plain_text(description_html: str, truncate_at: int | None = None) -> str:
    text = html.unescape(_TAG.sub(" ", description_html))
    text = " ".join(text.split())
    if truncate_at is not None and len(text) > truncate_at:
        return text[: max(truncate_at - 3, 0)].rstrip() + "..."
    return text


def page_args(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args.get(k) for k in ("first", "last", "after", "before")} | {
        "reverse": bool(args.get("reverse"))
    }


# --- metafields (Product, ProductVariant, Collection) ---------------------------------------
def resolve_metafield(
    source: Product | Variant | Collection,
    info: GraphQLResolveInfo,
    key: str,
    namespace: str | None = None,
) -> Metafield | None:
    if namespace is None and "." in key:
        namespace, key = key.rsplit(".", 1)
    return next(
        (
            m
            for m in source.metafields
            if m.key == key and (namespace is None or m.namespace == namespace)
        ),
        None,
    )


def resolve_metafields(
    source: Product | Variant | Collection, info: GraphQLResolveInfo, **args: Any
) -> Connection[Metafield]:
    items = source.metafields
    if args.get("namespace"):
        items = [m for m in items if m.namespace == args["namespace"]]
    if args.get("keys"):
        wanted = set(args["keys"])
        items = [m for m in items if f"{m.namespace}.{m.key}" in wanted]
    return paginate(items, lambda m: (m.id, m.id), **page_args(args))


# --- Product --------------------------------------------------------------------------------
def _used_values(product: Product, index: int) -> set[str]:
    return {v.option_values[index] for v in product.variants if len(v.option_values) > index}


def product_options(
    product: Product, info: GraphQLResolveInfo, first: int | None = None
) -> list[OptionView]:
    options = product.options[:first] if first is not None else product.options
    return [OptionView(o, _used_values(product, i)) for i, o in enumerate(options)]


def product_variants(
    product: Product, info: GraphQLResolveInfo, **args: Any
) -> Connection[Variant]:
    sort_key = args.get("sortKey") or "POSITION"
    key = _VARIANT_SORTS.get(sort_key, _VARIANT_SORTS["POSITION"])
    # Writers keep variants in position order, so that sort needs no sorting.
    presorted = sort_key in ("POSITION", "RELEVANCE")
    return paginate(product.variants, key, presorted=presorted, **page_args(args))


_VARIANT_SORTS: dict[str, Any] = {
    "POSITION": lambda v: (v.position, v.id),
    "ID": lambda v: (v.id, v.id),
    "SKU": lambda v: (text_key(v.sku), v.id),
    "TITLE": lambda v: (text_key(v.title), v.id),
    "FULL_TITLE": lambda v: (text_key(v.title), v.id),
    "NAME": lambda v: (text_key(v.title), v.id),
    "INVENTORY_QUANTITY": lambda v: (v.inventory_quantity, v.id),
    "INVENTORY_LEVELS_AVAILABLE": lambda v: (v.inventory_quantity, v.id),
    "INVENTORY_POLICY": lambda v: (v.inventory_policy, v.id),
    "INVENTORY_MANAGEMENT": lambda v: (int(v.tracked), v.id),
    "POPULAR": lambda v: (v.id, v.id),
    "RELEVANCE": lambda v: (v.position, v.id),
}


def product_collections(
    product: Product, info: GraphQLResolveInfo, **args: Any
) -> Connection[Collection]:
    store = store_of(info)
    items = [c for c in store.collections.values() if product_in_collection(product, c)]
    return paginate(
        items, COLLECTION_SORTS.get(args.get("sortKey") or "ID", _by_id), **page_args(args)
    )


def _by_id(record: Any) -> tuple[Any, int]:
    return (record.id, record.id)


COLLECTION_SORTS: dict[str, Any] = {
    "ID": _by_id,
    "RELEVANCE": _by_id,
    "TITLE": lambda c: (text_key(c.title), c.id),
    "UPDATED_AT": lambda c: (c.updated_at.timestamp(), c.id),
}


def product_in_collection(product: Product, collection: Collection) -> bool:
    if collection.rule_set is not None:
        return matches_rule_set(product, collection.rule_set)
    return product.id in collection.product_ids


def product_in_collection_field(product: Product, info: GraphQLResolveInfo, id: str) -> bool:
    collection_id = parse_numeric_gid(id, "Collection")
    collection = (
        store_of(info).collections.get(collection_id) if collection_id is not None else None
    )
    return collection is not None and product_in_collection(product, collection)


def product_price_range(product: Product, info: GraphQLResolveInfo) -> PriceRange:
    prices = [v.price for v in product.variants] or [Decimal(0)]
    return PriceRange(MoneyV2(min(prices)), MoneyV2(max(prices)))


def product_online_store_url(product: Product, info: GraphQLResolveInfo) -> str | None:
    if product.status != "ACTIVE" or product.published_at is None:
        return None
    return f"https://{ctx(info).state.config.shop_domain}/products/{product.handle}"


def product_preview_url(product: Product, info: GraphQLResolveInfo) -> str:
    return f"https://{ctx(info).state.config.shop_domain}/products/{product.handle}"


def product_media(product: Product, info: GraphQLResolveInfo, **args: Any) -> Connection[Any]:
    return _media_connection(product, args, images=False)


def _media_connection(product: Product, args: dict[str, Any], images: bool) -> Connection[Any]:
    indexed = list(enumerate(product.media))
    page = paginate(indexed, lambda pair: (pair[0], pair[1].id), presorted=True, **page_args(args))
    if images:
        return map_nodes(page, lambda pair: ImageView(pair[1]))
    return map_nodes(page, lambda pair: pair[1])


def product_images(product: Product, info: GraphQLResolveInfo, **args: Any) -> Connection[Any]:
    return _media_connection(product, args, images=True)


PRODUCT: dict[str, Resolver] = {
    "description": lambda p, info, truncateAt=None: plain_text(p.description_html, truncateAt),
    "featuredImage": lambda p, info: ImageView(p.media[0]) if p.media else None,
    "featuredMedia": lambda p, info: p.media[0] if p.media else None,
    "hasOnlyDefaultVariant": lambda p, info: (
        len(p.variants) == 1 and [o.name for o in p.options] == ["Title"]
    ),
    "hasVariantsThatRequiresComponents": lambda p, info: False,
    "hasOutOfStockVariants": lambda p, info: any(v.inventory_quantity <= 0 for v in p.variants),
    "images": product_images,
    "inCollection": product_in_collection_field,
    "isGiftCard": lambda p, info: p.gift_card,
    "media": product_media,
    "mediaCount": lambda p, info: Count(len(p.media)),
    "metafield": resolve_metafield,
    "metafields": resolve_metafields,
    "onlineStorePreviewUrl": product_preview_url,
    "onlineStoreUrl": product_online_store_url,
    "options": product_options,
    "priceRangeV2": product_price_range,
    "seo": lambda p, info: Seo(p.seo_title, p.seo_description),
    "totalInventory": lambda p, info: p.total_inventory,
    "tracksInventory": lambda p, info: any(v.tracked for v in p.variants),
    "variants": product_variants,
    "variantsCount": lambda p, info: Count(len(p.variants)),
    "category": lambda p, info: TaxonomyCategory(p.category_id) if p.category_id else None,
    "collections": product_collections,
}


# --- ProductVariant -------------------------------------------------------------------------
def variant_product(variant: Variant, info: GraphQLResolveInfo) -> Product | None:
    return store_of(info).products.get(variant.product_id)


def variant_selected_options(variant: Variant, info: GraphQLResolveInfo) -> list[SelectedOption]:
    product = store_of(info).products.get(variant.product_id)
    if product is None:
        return []
    result: list[SelectedOption] = []
    for index, option in enumerate(product.options):
        if index >= len(variant.option_values):
            break
        name = variant.option_values[index]
        value = next((v for v in option.values if v.name == name), None)
        if value is not None:
            result.append(SelectedOption(option.name, name, OptionValueView(value, True)))
    return result


def variant_available(variant: Variant, info: GraphQLResolveInfo) -> bool:
    product = store_of(info).products.get(variant.product_id)
    in_stock = (
        variant.inventory_quantity > 0
        or variant.inventory_policy == "CONTINUE"
        or not variant.tracked
    )
    return product is not None and product.status == "ACTIVE" and in_stock


def variant_media(variant: Variant, info: GraphQLResolveInfo, **args: Any) -> Connection[Any]:
    """The product's media linked to this variant, in the product's media order."""
    product = store_of(info).products.get(variant.product_id)
    linked = [m for m in (product.media if product else []) if m.id in variant.media_ids]
    indexed = list(enumerate(linked))
    page = paginate(indexed, lambda pair: (pair[0], pair[1].id), presorted=True, **page_args(args))
    return map_nodes(page, lambda pair: pair[1])


def variant_display_name(variant: Variant, info: GraphQLResolveInfo) -> str:
    product = store_of(info).products.get(variant.product_id)
    return f"{product.title if product else ''} - {variant.title}"


VARIANT: dict[str, Resolver] = {
    "availableForSale": variant_available,
    "displayName": variant_display_name,
    "image": lambda v, info: None,
    "media": variant_media,
    "inventoryItem": lambda v, info: InventoryItemView(v),
    "metafield": resolve_metafield,
    "metafields": resolve_metafields,
    "product": variant_product,
    "selectedOptions": variant_selected_options,
    "unitPriceMeasurement": lambda v, info: unit_price_view(v),
}

OPTION: dict[str, Resolver] = {
    "id": lambda o, info: o.option.gid,
    "name": lambda o, info: o.option.name,
    "position": lambda o, info: o.option.position,
    "values": lambda o, info: [v.name for v in o.option.values if v.name in o.used],
    "optionValues": lambda o, info: option_value_views(o.option, o.used),
    "linkedMetafield": lambda o, info: (
        {"namespace": o.option.linked_namespace, "key": o.option.linked_key}
        if o.option.linked_key
        else None
    ),
}


INVENTORY_ITEM: dict[str, Resolver] = {
    "legacyResourceId": lambda i, info: i.variant.inventory_item_id,
    "sku": lambda i, info: i.variant.sku,
    "tracked": lambda i, info: i.variant.tracked,
    "requiresShipping": lambda i, info: i.variant.requires_shipping,
    "countryCodeOfOrigin": lambda i, info: i.variant.country_code_of_origin,
    "harmonizedSystemCode": lambda i, info: i.variant.harmonized_system_code,
    "measurement": lambda i, info: MeasurementView(i.variant),
    "unitCost": lambda i, info: (
        MoneyV2(i.variant.unit_cost) if i.variant.unit_cost is not None else None
    ),
    "createdAt": lambda i, info: i.variant.created_at,
    "updatedAt": lambda i, info: i.variant.updated_at,
    "variant": lambda i, info: i.variant,
}

MEASUREMENT: dict[str, Resolver] = {
    "weight": lambda m, info: Weight(m.variant.weight_unit, float(m.variant.weight or 0.0)),
}

MEDIA_IMAGE: dict[str, Resolver] = {
    "image": lambda m, info: ImageView(m),
    "mediaContentType": lambda m, info: "IMAGE",
    "status": lambda m, info: "READY",
    "preview": lambda m, info: {"image": ImageView(m), "status": "READY"},
}

IMAGE: dict[str, Resolver] = {
    "altText": lambda i, info: i.media.alt,
    "url": lambda i, info: i.media.url,
    "width": lambda i, info: i.media.width,
    "height": lambda i, info: i.media.height,
}

TAXONOMY: dict[str, Resolver] = {
    "ancestorIds": lambda c, info: [TaxonomyCategory(k).gid for k in c.ancestors],
    "childrenIds": lambda c, info: [TaxonomyCategory(k).gid for k in c.children],
    "isArchived": lambda c, info: False,
    "isLeaf": lambda c, info: not c.children,
    "isRoot": lambda c, info: c.level == 1,
    "parentId": lambda c, info: TaxonomyCategory(c.ancestors[0]).gid if c.ancestors else None,
}


# --- Collection -----------------------------------------------------------------------------
def collection_products(
    collection: Collection, info: GraphQLResolveInfo, **args: Any
) -> Connection[Product]:
    store = store_of(info)
    ids = collection_member_ids(store, collection)
    products = [store.products[i] for i in ids]
    sort_key = args.get("sortKey") or "COLLECTION_DEFAULT"
    if sort_key in ("COLLECTION_DEFAULT", "MANUAL"):
        sort_key = _SORT_ORDER_AS_KEY.get(collection.sort_order, "MANUAL")
    if sort_key == "MANUAL":
        indexed = list(enumerate(products))
        page = paginate(
            indexed, lambda pair: (pair[0], pair[1].id), presorted=True, **page_args(args)
        )
        return map_nodes(page, lambda pair: pair[1])
    key = _MEMBER_SORTS.get(sort_key, _by_id)
    return paginate(products, key, **page_args(args))


_SORT_ORDER_AS_KEY = {
    "MANUAL": "MANUAL",
    "ALPHA_ASC": "TITLE",
    "ALPHA_DESC": "TITLE_DESC",
    "PRICE_ASC": "PRICE",
    "PRICE_DESC": "PRICE_DESC",
    "CREATED": "CREATED",
    "CREATED_DESC": "CREATED_DESC",
    "BEST_SELLING": "BEST_SELLING",
}
_MEMBER_SORTS: dict[str, Any] = {
    "TITLE": lambda p: (text_key(p.title), p.id),
    "TITLE_DESC": lambda p: (tuple(-ord(c) for c in text_key(p.title)), p.id),
    "PRICE": lambda p: (float(min((v.price for v in p.variants), default=0)), p.id),
    "PRICE_DESC": lambda p: (-float(min((v.price for v in p.variants), default=0)), p.id),
    "CREATED": lambda p: (p.created_at.timestamp(), p.id),
    "CREATED_DESC": lambda p: (-p.created_at.timestamp(), p.id),
    "BEST_SELLING": _by_id,
    "ID": _by_id,
    "RELEVANCE": _by_id,
}


def collection_has_product(collection: Collection, info: GraphQLResolveInfo, id: str) -> bool:
    product_id = parse_numeric_gid(id, "Product")
    product = store_of(info).products.get(product_id) if product_id is not None else None
    return product is not None and product_in_collection(product, collection)


COLLECTION: dict[str, Resolver] = {
    "description": lambda c, info, truncateAt=None: plain_text(c.description_html, truncateAt),
    "hasProduct": collection_has_product,
    "image": lambda c, info: None,
    "metafield": resolve_metafield,
    "metafields": resolve_metafields,
    "products": collection_products,
    "productsCount": lambda c, info: Count(len(collection_member_ids(store_of(info), c))),
    "seo": lambda c, info: Seo(c.seo_title, c.seo_description),
}
