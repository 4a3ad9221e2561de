"""GraphQL documents the push sends, and the inputs built from a product snapshot.

One operation per product: `productSet` (identified by Shopify id when known, else by handle, so
a crash between Shopify's write and ours is repaired by the next push instead of duplicating) or
`productDelete` for a tombstone. Operations are aliased (`p0`, `p1`, …) into one document for
batched requests; the text depends only on the sequence of kinds, so Shopify and our cost
estimator see few distinct documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from product_dashboard.sync.snapshot import PushItem

MAX_QUERY_COST = 1000
MUTATION_COST = 10
# productSet selects the product (1) and a page of variants (2 + one per variant).
_SET_SELECTION_BASE = 1 + 2
MAX_VARIANT_PAGE = 250

SET_FIELDS = (
    "product {{ id variants(first: $v{n}) {{ nodes {{ id }} }} }} userErrors {{ field message }}"
)
DELETE_FIELDS = "deletedProductId userErrors { field message }"

PRODUCT_SET_SINGLE = (
    "mutation productSet($input: ProductSetInput!, $identifier: ProductSetIdentifiers, "
    "$variantPage: Int!) { productSet(input: $input, identifier: $identifier, synchronous: true) "
    "{ product { id variants(first: $variantPage) { nodes { id } } } "
    "userErrors { field message } } }"
)
# Bulk mutations run one document per JSONL line; cost does not apply, so take a full page.
PRODUCT_SET_BULK = (
    "mutation productSet($input: ProductSetInput!, $identifier: ProductSetIdentifiers) "
    "{ productSet(input: $input, identifier: $identifier, synchronous: true) "
    "{ product { id variants(first: 250) { nodes { id } } } userErrors { field message } } }"
)
PRODUCT_BY_HANDLE = (
    "query productByHandle($identifier: ProductIdentifierInput!) "
    "{ productByIdentifier(identifier: $identifier) { id } }"
)


@dataclass(frozen=True, slots=True)
class Operation:
    """One product's mutation: its kind, variables, and the cost to reserve for it."""

    item: PushItem
    kind: str  # "set" | "delete"
    variables: dict[str, Any]
    cost: int


def variant_page(item: PushItem) -> int:
    return max(1, min(MAX_VARIANT_PAGE, item.variant_count))


def operation_for(item: PushItem) -> Operation:
    if item.deleted:
        assert item.shopify_product_id is not None
        return Operation(item, "delete", {"input": {"id": item.shopify_product_id}}, MUTATION_COST)
    page = variant_page(item)
    variables = {
        "input": product_set_input(item),
        "identifier": identifier(item),
        "variantPage": page,
    }
    return Operation(item, "set", variables, MUTATION_COST + _SET_SELECTION_BASE + page)


def identifier(item: PushItem) -> dict[str, str]:
    if item.shopify_product_id:
        return {"id": item.shopify_product_id}
    return {"handle": item.handle}


def product_set_input(item: PushItem) -> dict[str, Any]:
    """ProductSetInput from a snapshot; lists are always given so they replace Shopify's."""
    snap = item.snapshot
    data: dict[str, Any] = {
        "handle": snap["handle"],
        "title": snap["title"],
        "descriptionHtml": snap["description_html"],
        "vendor": snap["vendor"],
        "productType": snap["product_type"],
        "status": str(snap["status"]).upper(),
        "tags": list(snap["tags"]),
        "files": [
            {"originalSource": image["src"], "alt": image["alt"], "contentType": "IMAGE"}
            for image in snap["images"]
        ],
    }
    if snap.get("category_id"):
        data["category"] = snap["category_id"]
    if snap["variants"]:
        data["productOptions"] = [
            {"name": option["name"], "values": [{"name": value} for value in option["values"]]}
            for option in snap["options"]
        ]
        names = [option["name"] for option in snap["options"]]
        variants: list[dict[str, Any]] = []
        for position, (variant, shopify_id) in enumerate(
            zip(snap["variants"], item.shopify_variant_ids, strict=False), start=1
        ):
            entry: dict[str, Any] = {
                "optionValues": [
                    {"optionName": name, "name": value}
                    for name, value in zip(names, variant["option_values"], strict=False)
                ],
                "price": variant["price"],
                "compareAtPrice": variant["compare_at_price"],
                "sku": variant["sku"],
                "barcode": variant["barcode"],
                "position": position,
            }
            if shopify_id:
                entry["id"] = shopify_id
            variants.append(entry)
        data["variants"] = variants
    return data


@lru_cache(maxsize=512)
def batch_document(kinds: tuple[str, ...]) -> str:
    """An aliased mutation with one field per operation kind, in order."""
    declarations: list[str] = []
    fields: list[str] = []
    for n, kind in enumerate(kinds):
        if kind == "set":
            declarations.append(
                f"$i{n}: ProductSetInput!, $k{n}: ProductSetIdentifiers, $v{n}: Int!"
            )
            fields.append(
                f"p{n}: productSet(input: $i{n}, identifier: $k{n}, synchronous: true) "
                f"{{ {SET_FIELDS.format(n=n)} }}"
            )
        else:
            declarations.append(f"$i{n}: ProductDeleteInput!")
            fields.append(f"p{n}: productDelete(input: $i{n}) {{ {DELETE_FIELDS} }}")
    return f"mutation pushBatch({', '.join(declarations)}) {{ {' '.join(fields)} }}"


def batch_variables(operations: Sequence[Operation]) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for n, op in enumerate(operations):
        variables[f"i{n}"] = op.variables["input"]
        if op.kind == "set":
            variables[f"k{n}"] = op.variables["identifier"]
            variables[f"v{n}"] = op.variables["variantPage"]
    return variables


def pack_batches(
    operations: Sequence[Operation], cost_cap: int, max_size: int
) -> list[list[Operation]]:
    """Group operations in order so each group's requested cost stays within `cost_cap`."""
    batches: list[list[Operation]] = []
    current: list[Operation] = []
    cost = 0
    for op in operations:
        if current and (cost + op.cost > cost_cap or len(current) >= max_size):
            batches.append(current)
            current, cost = [], 0
        current.append(op)
        cost += op.cost
    if current:
        batches.append(current)
    return batches
