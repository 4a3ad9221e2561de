"""One push operation per product, built from its snapshot.

`productSet` identifies the product by Shopify id when known, else by handle, so a crash between
Shopify's write and ours is repaired by the next push instead of duplicating; a tombstone becomes
`productDelete`. The aliased batch document, its variables and cost are `shopify.product_set`'s
(`push_batch_document`, `push_batch_variables`, `push_set_cost`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from product_dashboard.shopify.cost import MUTATION_COST
from product_dashboard.shopify.product_set import (
    push_batch_document,
    push_batch_variables,
    push_set_cost,
    variant_page,
)
from product_dashboard.sync.push.items import PushItem


@dataclass(frozen=True, slots=True)
class Operation:
    """One product's mutation: its kind, variables, and the cost to reserve for it."""

    item: PushItem
    kind: str  # "set" | "delete"
    variables: dict[str, Any]
    cost: int


def operation_for(item: PushItem) -> Operation:
    if item.deleted:
        assert item.shopify_product_id is not None
        return Operation(item, "delete", {"input": {"id": item.shopify_product_id}}, MUTATION_COST)
    page = variant_page(item.variant_count)
    variables = {
        "input": product_set_input(item),
        "identifier": identifier(item),
        "variantPage": page,
    }
    return Operation(item, "set", variables, push_set_cost(page))


def identifier(item: PushItem) -> dict[str, str]:
    if item.shopify_product_id:
        return {"id": item.shopify_product_id}
    return {"handle": item.handle}


def batch_request(ops: Sequence[Operation]) -> tuple[str, dict[str, Any]]:
    """The aliased document and variables sending these operations in one request."""
    document = push_batch_document(tuple(op.kind for op in ops))
    variables = push_batch_variables(
        [
            (
                op.kind,
                op.variables["input"],
                op.variables.get("identifier"),
                op.variables.get("variantPage", 0),
            )
            for op in ops
        ]
    )
    return document, variables


def product_set_input(item: PushItem) -> dict[str, Any]:
    """ProductSetInput from a snapshot; lists are always given so they replace Shopify's."""
    snap = item.snapshot
    assert snap is not None, "a tombstone is deleted, not set"
    data: dict[str, Any] = {
        "handle": snap.handle,
        "title": snap.title,
        "descriptionHtml": snap.description_html,
        "vendor": snap.vendor,
        "productType": snap.product_type,
        "status": snap.status.upper(),
        "tags": list(snap.tags),
        "files": [
            {"originalSource": image.src, "alt": image.alt, "contentType": "IMAGE"}
            for image in snap.images
        ],
    }
    if snap.category_id:
        data["category"] = snap.category_id
    if snap.variants:
        data["productOptions"] = [
            {"name": option.name, "values": [{"name": value} for value in option.values]}
            for option in snap.options
        ]
        names = [option.name for option in snap.options]
        variants: list[dict[str, Any]] = []
        for position, (variant, shopify_id) in enumerate(
            zip(snap.variants, item.shopify_variant_ids, strict=False), start=1
        ):
            entry: dict[str, Any] = {
                "optionValues": [
                    {"optionName": name, "name": value}
                    for name, value in zip(names, variant.option_values, strict=False)
                ],
                "price": variant.price,
                "compareAtPrice": variant.compare_at_price,
                "sku": variant.sku,
                "barcode": variant.barcode,
                "position": position,
            }
            if shopify_id:
                entry["id"] = shopify_id
            variants.append(entry)
        data["variants"] = variants
    return data
