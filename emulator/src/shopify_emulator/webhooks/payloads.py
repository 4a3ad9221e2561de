"""REST-style webhook bodies built from GraphQL-shaped dicts (results of the queries in queries.py).

Shopify's webhook bodies are the REST Admin resources: snake_case, legacy integer ids next to
`admin_graphql_api_id`, money as strings, lowercase enums and timestamps in the shop's offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from shopify_emulator.gid import is_numeric_id
from shopify_emulator.money import format_money

JsonDict = dict[str, Any]


class SupportsGraphQL(Protocol):
    def to_graphql(self) -> dict[str, Any]: ...


def product_webhook_payload(product: Mapping[str, Any], *, tz: tzinfo = UTC) -> JsonDict:
    """Build a `products/create|update` body from a `PRODUCT_WEBHOOK_QUERY` product dict."""
    product_id = _legacy_id(product)
    options = sorted(product.get("options") or [], key=lambda o: o.get("position") or 0)
    option_names = [option["name"] for option in options]
    variants = _nodes(product.get("variants"))
    media = _nodes(product.get("media"))
    images = _rest_images(media, variants, product_id, tz)
    return {
        "admin_graphql_api_id": product["id"],
        "body_html": product.get("descriptionHtml"),
        "created_at": _rest_time(product.get("createdAt"), tz),
        "handle": product.get("handle"),
        "id": product_id,
        "product_type": product.get("productType") or "",
        "published_at": _rest_time(product.get("publishedAt"), tz),
        "template_suffix": product.get("templateSuffix"),
        "title": product.get("title"),
        "updated_at": _rest_time(product.get("updatedAt"), tz),
        "vendor": product.get("vendor"),
        "status": _lower(product.get("status")),
        "published_scope": "web",
        "tags": ", ".join(product.get("tags") or []),
        "variants": [_rest_variant(variant, product_id, option_names, tz) for variant in variants],
        "options": [
            {
                "id": _gid_tail(option.get("id")),
                "product_id": product_id,
                "name": option["name"],
                "position": option.get("position"),
                "values": list(option.get("values") or []),
            }
            for option in options
        ],
        "images": images,
        "image": images[0] if images else None,
        "media": [_rest_media(item, i, product_id, tz) for i, item in enumerate(media, 1)],
        "variant_gids": [
            {"admin_graphql_api_id": v["id"], "updated_at": _utc_millis(v.get("updatedAt"))}
            for v in variants
        ],
        "has_variants_that_requires_components": bool(
            product.get("hasVariantsThatRequiresComponents", False)
        ),
        "category": _rest_category(product.get("category")),
    }


def product_delete_payload(product_gid: str) -> JsonDict:
    """Build a `products/delete` body: only the legacy id."""
    return {"id": _require_gid_tail(product_gid)}


def collection_webhook_payload(collection: Mapping[str, Any], *, tz: tzinfo = UTC) -> JsonDict:
    """Build a `collections/create|update` body from a `COLLECTION_WEBHOOK_QUERY` collection dict.

    `publishedAt` is not a Collection field in GraphQL; pass it in the dict if the store knows it.
    """
    payload: JsonDict = {
        "id": _legacy_id(collection),
        "handle": collection.get("handle"),
        "title": collection.get("title"),
        "updated_at": _rest_time(collection.get("updatedAt"), tz),
        "body_html": collection.get("descriptionHtml"),
        "published_at": _rest_time(collection.get("publishedAt"), tz),
        "sort_order": _rest_sort_order(collection.get("sortOrder")),
        "template_suffix": collection.get("templateSuffix"),
        "published_scope": "web",
        "admin_graphql_api_id": collection["id"],
    }
    conditions_source = next(
        (source for source in collection.get("sources") or [] if source.get("inclusion")), None
    )
    inclusion = conditions_source["inclusion"] if conditions_source else {}
    if inclusion.get("conditions"):
        payload["disjunctive"] = inclusion.get("matchType") == "ANY"
        payload["rules"] = [
            rule for condition in inclusion["conditions"] for rule in _rest_rules(condition)
        ]
    image = collection.get("image")
    if image:
        payload["image"] = {
            "created_at": _rest_time(image.get("createdAt"), tz),
            "alt": image.get("altText"),
            "width": image.get("width"),
            "height": image.get("height"),
            "src": image.get("url"),
        }
    return payload


_TEXT_CONDITIONS = {
    "ProductTag": ("tag", "tag", "tags"),
    "ProductTitle": ("title", "title", "titles"),
    "ProductType": ("type", "type", "types"),
    "ProductVendor": ("vendor", "vendor", "vendors"),
    "VariantTitle": ("variant_title", "variantTitle", "variantTitles"),
}
_NUMBER_CONDITIONS = {
    "VariantPrice": ("variant_price", "price", "priceValue"),
    "VariantCompareAtPrice": ("variant_compare_at_price", "compareAtPrice", "compareAtPriceValue"),
    "VariantInventory": ("variant_inventory", "inventory", "inventoryValue"),
    "VariantWeight": ("variant_weight", "weight", "weightValue"),
}
_REST_RELATIONS = {
    "TAGGED_WITH": "equals",
    "NOT_TAGGED_WITH": "not_equals",
    "DOES_NOT_CONTAIN": "not_contains",
}
_WEIGHT_ABBREVIATIONS = {"GRAMS": "g", "KILOGRAMS": "kg", "POUNDS": "lb", "OUNCES": "oz"}


def _rest_rules(condition: Mapping[str, Any]) -> list[JsonDict]:
    """One source condition (as COLLECTION_WEBHOOK_QUERY aliases it) as REST rules."""
    kind = str(condition.get("__typename") or "").removeprefix("CollectionSourceInclusionCondition")
    if kind in _TEXT_CONDITIONS:
        column, relation_key, values_key = _TEXT_CONDITIONS[kind]
        raw = str(condition[relation_key])
        relation = _REST_RELATIONS.get(raw) or raw.lower()
        return [
            {"column": column, "relation": relation, "condition": value}
            for value in condition.get(values_key) or []
        ]
    if kind in _NUMBER_CONDITIONS:
        column, relation_key, value_key = _NUMBER_CONDITIONS[kind]
        value = condition.get(value_key)
        if isinstance(value, Mapping) and "unit" in value:
            text = f"{value['value']} {_WEIGHT_ABBREVIATIONS[value['unit']]}"
        elif isinstance(value, Mapping):
            text = _plain_number(value.get("amount"))
        else:
            text = "" if value is None else str(value)
        return [{"column": column, "relation": _lower(condition[relation_key]), "condition": text}]
    # Unknown to 2026-10's typed conditions; this emulator names them "COLUMN RELATION".
    column, _, relation = str(condition.get("unknown") or "").partition(" ")
    values = condition.get("unknownValues") or [""]
    return [
        {"column": column.lower(), "relation": relation.lower(), "condition": value}
        for value in values
    ]


def _plain_number(amount: Any) -> str:
    """A MoneyV2 amount ("20.0") as a merchant types a rule's condition ("20")."""
    try:
        return format(Decimal(str(amount)).normalize(), "f")
    except InvalidOperation:
        return str(amount)


def collection_delete_payload(collection_gid: str) -> JsonDict:
    """Build a `collections/delete` body: only the legacy id."""
    return {"id": _require_gid_tail(collection_gid)}


def bulk_operation_finish_payload(
    operation: Mapping[str, Any] | SupportsGraphQL, *, tz: tzinfo = UTC
) -> JsonDict:
    """Build a `bulk_operations/finish` body from a BulkOperation (or its GraphQL dict)."""
    op = operation if isinstance(operation, Mapping) else operation.to_graphql()
    return {
        "admin_graphql_api_id": op["id"],
        "completed_at": _rest_time(op.get("completedAt"), tz),
        "created_at": _rest_time(op.get("createdAt"), tz),
        "error_code": _lower(op.get("errorCode")),
        "status": _lower(op.get("status")),
        "type": _lower(op.get("type")),
    }


def _rest_variant(
    variant: Mapping[str, Any], product_id: int | None, option_names: list[str], tz: tzinfo
) -> JsonDict:
    selected = {o["name"]: o["value"] for o in variant.get("selectedOptions") or []}
    names = option_names or list(selected)
    values: list[str | None] = [selected.get(name) for name in names[:3]]
    values += [None] * (3 - len(values))
    quantity = variant.get("inventoryQuantity")
    return {
        "admin_graphql_api_id": variant["id"],
        "barcode": variant.get("barcode"),
        "compare_at_price": _money(variant.get("compareAtPrice")),
        "created_at": _rest_time(variant.get("createdAt"), tz),
        "id": _legacy_id(variant),
        "inventory_policy": _lower(variant.get("inventoryPolicy")),
        "position": variant.get("position"),
        "price": _money(variant.get("price")),
        "product_id": product_id,
        "sku": variant.get("sku"),
        "taxable": variant.get("taxable"),
        "title": variant.get("title"),
        "updated_at": _rest_time(variant.get("updatedAt"), tz),
        "option1": values[0],
        "option2": values[1],
        "option3": values[2],
        "image_id": _variant_image_id(variant),
        "inventory_item_id": _legacy_id(variant.get("inventoryItem")),
        "inventory_quantity": quantity,
        "old_inventory_quantity": quantity,
    }


def _variant_image_id(variant: Mapping[str, Any]) -> int | None:
    """The legacy id of the variant's image: its first media's image."""
    media = _nodes(variant.get("media"))
    image = media[0].get("image") if media else None
    return _gid_tail(image.get("id")) if image else None


def _rest_images(
    media: list[Mapping[str, Any]],
    variants: list[Mapping[str, Any]],
    product_id: int | None,
    tz: tzinfo,
) -> list[JsonDict]:
    images: list[JsonDict] = []
    for item in media:
        if item.get("mediaContentType") != "IMAGE":
            continue
        image = item.get("image") or (item.get("preview") or {}).get("image") or {}
        image_id = _gid_tail(image.get("id")) or _gid_tail(item.get("id"))
        images.append(
            {
                "id": image_id,
                "alt": image.get("altText", item.get("alt")),
                "position": len(images) + 1,
                "product_id": product_id,
                "created_at": _rest_time(item.get("createdAt"), tz),
                "updated_at": _rest_time(item.get("updatedAt"), tz),
                "admin_graphql_api_id": f"gid://shopify/ProductImage/{image_id}",
                "width": image.get("width"),
                "height": image.get("height"),
                "src": image.get("url"),
                "variant_ids": [
                    _legacy_id(v)
                    for v in variants
                    if image_id is not None and _variant_image_id(v) == image_id
                ],
            }
        )
    return images


def _rest_media(
    item: Mapping[str, Any], position: int, product_id: int | None, tz: tzinfo
) -> JsonDict:
    preview = item.get("preview") or {}
    preview_image = preview.get("image")
    return {
        "id": _gid_tail(item.get("id")),
        "product_id": product_id,
        "position": position,
        "created_at": _rest_time(item.get("createdAt"), tz),
        "updated_at": _rest_time(item.get("updatedAt"), tz),
        "alt": item.get("alt"),
        "status": _lower(item.get("status")),
        "media_content_type": item.get("mediaContentType"),
        "preview_image": (
            {
                "width": preview_image.get("width"),
                "height": preview_image.get("height"),
                "src": preview_image.get("url"),
                "status": _lower(preview.get("status")),
            }
            if preview_image
            else None
        ),
        "variant_ids": [],
        "admin_graphql_api_id": item.get("id"),
    }


def _rest_category(category: Mapping[str, Any] | None) -> JsonDict | None:
    if not category:
        return None
    return {
        "admin_graphql_api_id": category.get("id"),
        "name": category.get("name"),
        "full_name": category.get("fullName"),
    }


def _rest_sort_order(sort_order: str | None) -> str | None:
    return sort_order.lower().replace("_", "-") if sort_order else None


def _nodes(connection: Any) -> list[Mapping[str, Any]]:
    """Nodes of a connection given as {nodes: [...]}, {edges: [{node}]} or a plain list."""
    if not connection:
        return []
    if isinstance(connection, Mapping):
        if "nodes" in connection:
            return list(connection["nodes"] or [])
        return [edge["node"] for edge in connection.get("edges") or []]
    if isinstance(connection, Iterable):
        return list(connection)
    raise TypeError(f"not a connection: {type(connection).__name__}")


def _legacy_id(resource: Mapping[str, Any] | None) -> int | None:
    if not resource:
        return None
    legacy = resource.get("legacyResourceId")
    if legacy is not None:
        return int(legacy)
    return _gid_tail(resource.get("id"))


def _gid_tail(gid: str | None) -> int | None:
    """The trailing integer of a gid (`gid://shopify/Product/12?x=y` -> 12), else None."""
    if not gid:
        return None
    tail = gid.split("?", 1)[0].rsplit("/", 1)[-1]
    return int(tail) if is_numeric_id(tail) else None


def _require_gid_tail(gid: str) -> int:
    legacy = _gid_tail(gid)
    if legacy is None:
        raise ValueError(f"not a numeric Shopify gid: {gid!r}")
    return legacy


def _money(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):  # MoneyV2 {amount, currencyCode}
        value = value.get("amount")
    try:
        return format_money(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _parse_time(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rest_time(value: str | datetime | None, tz: tzinfo) -> str | None:
    """ISO-8601 with the shop's offset, to the second: 2026-11-20T10:15:30-05:00."""
    parsed = _parse_time(value)
    return parsed.astimezone(tz).isoformat(timespec="seconds") if parsed else None


def _utc_millis(value: str | datetime | None) -> str | None:
    """UTC with milliseconds and Z, as in `variant_gids`: 2026-11-28T14:02:11.000Z."""
    parsed = _parse_time(value)
    if parsed is None:
        return None
    return parsed.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def inventory_level_payload(
    inventory_item_id: int, location_id: int, available: int, at: datetime
) -> JsonDict:
    """An `inventory_levels/update` body, REST-style as Shopify sends it."""
    return {
        "inventory_item_id": inventory_item_id,
        "location_id": location_id,
        "available": available,
        "updated_at": _rest_time(at, UTC),
        "admin_graphql_api_id": (
            f"gid://shopify/InventoryLevel/{location_id}?inventory_item_id={inventory_item_id}"
        ),
    }
