"""Our canonical product shape for sync (`SyncProduct`), read from Shopify's GraphQL shapes.

What the push sends is built from the stored snapshot (sync/push/documents.py); this module reads
what Shopify holds (pull, webhooks, conflict detection) and compares the two. Choices worth
knowing:

* A product without options is stored by Shopify as option "Title" with value "Default Title";
  `from_shopify_product` maps that back to no options.
* Inventory: Shopify reads back `inventoryQuantity` summed over all locations;
  `content_hash(..., include_inventory=False)` compares everything else.
* `content_hash` compares two `SyncProduct`s (tag and variant order, ids and image URLs do not
  count: an echo of our push hashes the same). It is not the stored `synced_hash`: that is the
  snapshot hash of `conflict.snapshot.SyncedSnapshot`.
* Shopify rewrites image URLs to its CDN, so images are not part of the content hash —
  otherwise our own pushes would never be recognised when they come back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, cast

__all__ = [
    "DEFAULT_OPTION_NAME",
    "DEFAULT_OPTION_VALUE",
    "ProductStatus",
    "SyncImage",
    "SyncOption",
    "SyncProduct",
    "SyncVariant",
    "cents_to_money",
    "content_hash",
    "from_shopify_product",
    "money_to_cents",
    "variants_truncated",
]

ProductStatus = Literal["active", "draft", "archived"]
DEFAULT_OPTION_NAME = "Title"
DEFAULT_OPTION_VALUE = "Default Title"
_GRAMS_PER_UNIT = {
    "GRAMS": Decimal(1),
    "KILOGRAMS": Decimal(1000),
    "OUNCES": Decimal("28.349523125"),
    "POUNDS": Decimal("453.59237"),
}
_HASH_VERSION = 1


@dataclass(slots=True)
class SyncOption:
    name: str
    values: list[str]


@dataclass(slots=True)
class SyncVariant:
    sku: str | None
    barcode: str | None
    price_cents: int
    compare_at_price_cents: int | None
    inventory_quantity: int | None
    """Summed over locations; None where it was not read (never taken for 0)."""
    weight_grams: int | None
    option_values: list[str]
    """One value per product option, in the product's option order."""
    shopify_variant_id: str | None = None


@dataclass(slots=True)
class SyncImage:
    src: str
    alt: str | None = None


@dataclass(slots=True)
class SyncProduct:
    """The DB-independent shape of a product for sync, built from our model or from Shopify."""

    title: str
    handle: str
    description_html: str
    vendor: str
    product_type: str
    status: ProductStatus
    tags: list[str]
    category_id: str | None
    options: list[SyncOption]
    variants: list[SyncVariant]
    shopify_product_id: str | None = None
    images: list[SyncImage] = field(default_factory=list)


def cents_to_money(cents: int) -> str:
    """1999 -> "19.99" (Shopify's Money scalar is a decimal string)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def money_to_cents(amount: str | float | int | Decimal) -> int:
    """ "19.99" -> 1999, rounding half up to the cent."""
    value = Decimal(str(amount)) * 100
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _nodes(connection: Any) -> list[Mapping[str, Any]]:
    """Nodes of a connection given as {nodes: […]}, {edges: [{node}]} or a plain list."""
    if connection is None:
        return []
    if isinstance(connection, list):
        return connection
    if "nodes" in connection:
        return list(connection["nodes"] or [])
    return [edge["node"] for edge in connection.get("edges") or []]


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _weight_grams(inventory_item: Mapping[str, Any] | None) -> int | None:
    weight = ((inventory_item or {}).get("measurement") or {}).get("weight")
    if not weight or weight.get("value") is None:
        return None
    grams = Decimal(str(weight["value"])) * _GRAMS_PER_UNIT.get(weight.get("unit"), Decimal(1))
    rounded = int(grams.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return rounded or None  # Shopify reports 0 when no weight was ever set


def _option_values(option: Mapping[str, Any]) -> list[str]:
    if option.get("optionValues") is not None:
        return [value["name"] for value in option["optionValues"]]
    return list(option.get("values") or [])


def variants_truncated(node: Mapping[str, Any]) -> bool:
    """Whether a Product node holds only a first page of its variants (read more before use)."""
    connection = node.get("variants")
    if not isinstance(connection, Mapping):
        return False
    return bool((connection.get("pageInfo") or {}).get("hasNextPage"))


def from_shopify_product(node: Mapping[str, Any]) -> SyncProduct:
    """Our shape from a Product node (products page, product by id, or reassembled bulk line)."""
    options = [
        SyncOption(name=option["name"], values=_option_values(option))
        for option in node.get("options") or []
    ]
    default_only = len(options) == 1 and options[0] == SyncOption(
        DEFAULT_OPTION_NAME, [DEFAULT_OPTION_VALUE]
    )
    option_names = [option.name for option in options]
    variants = []
    for raw in _nodes(node.get("variants")):
        selected = {o["name"]: o["value"] for o in raw.get("selectedOptions") or []}
        compare_at = raw.get("compareAtPrice")
        variants.append(
            SyncVariant(
                sku=raw.get("sku") or None,
                barcode=raw.get("barcode") or None,
                price_cents=money_to_cents(raw.get("price") or "0"),
                compare_at_price_cents=money_to_cents(compare_at) if compare_at else None,
                inventory_quantity=_optional_int(raw.get("inventoryQuantity")),
                weight_grams=_weight_grams(raw.get("inventoryItem")),
                option_values=[] if default_only else [selected[n] for n in option_names],
                shopify_variant_id=raw.get("id"),
            )
        )
    images = [
        SyncImage(src=media["image"]["url"], alt=media.get("alt") or None)
        for media in _nodes(node.get("media"))
        if media.get("image") and media["image"].get("url")
    ]
    category = node.get("category")
    return SyncProduct(
        title=node.get("title") or "",
        handle=node.get("handle") or "",
        description_html=node.get("descriptionHtml") or "",
        vendor=node.get("vendor") or "",
        product_type=node.get("productType") or "",
        status=cast(ProductStatus, str(node.get("status") or "ACTIVE").lower()),
        tags=list(node.get("tags") or []),
        category_id=category.get("id") if isinstance(category, Mapping) else None,
        options=[] if default_only else options,
        variants=variants,
        shopify_product_id=node.get("id"),
        images=images,
    )


def _variant_key(variant: SyncVariant, include_inventory: bool) -> list[Any]:
    return [
        variant.option_values,
        variant.sku or None,
        variant.barcode or None,
        variant.price_cents,
        variant.compare_at_price_cents,
        variant.inventory_quantity if include_inventory else None,
        variant.weight_grams or None,  # Shopify reports 0 for "no weight"
    ]


def content_hash(product: SyncProduct, *, include_inventory: bool = True) -> str:
    """sha256 over the fields we sync; tag order, Shopify ids and image URLs do not count."""
    canonical = {
        "v": _HASH_VERSION,
        "title": product.title,
        "handle": product.handle,
        "description_html": product.description_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "status": product.status,
        "tags": sorted(set(_strip_all(product.tags))),
        "category_id": product.category_id,
        "options": [[option.name, option.values] for option in product.options],
        # Variants are matched by option values, so their order does not matter either.
        "variants": sorted(
            (_variant_key(v, include_inventory) for v in product.variants),
            key=lambda key: json.dumps(key, sort_keys=True),
        ),
    }
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _strip_all(tags: Iterable[str]) -> Iterable[str]:
    # Shopify trims tags and drops empty ones; so do we, so an echo hashes the same.
    return (tag.strip() for tag in tags if tag.strip())
