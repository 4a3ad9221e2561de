"""The push's productSet documents, and reading a ProductSetPayload back.

`push_batch_document(kinds)` is what the push sends: productSet and productDelete aliases in any
order (`$i{n}`, `$k{n}`, and a variant page `$v{n}` per product, so a small product does not pay
for the largest one's page), selecting only the ids it records. `push_set_cost(page)` is one
productSet's requested cost.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from product_dashboard.shopify.cost import MUTATION_COST
from product_dashboard.shopify.errors import UserError, user_errors_in

__all__ = [
    "ProductSetOutcome",
    "VariantRef",
    "media_page",
    "parse_product_set_payload",
    "push_batch_document",
    "push_batch_variables",
    "push_set_cost",
    "variant_page",
]

MAX_VARIANT_PAGE = 250
MAX_MEDIA_PAGE = 250
# The push payload selects the product (1), a page of variants (2 + one per variant) and a page
# of media (2 + one each): the ids of media created from a URL, so a re-push sends them by id.
# `updatedAt` (a scalar, free) is Shopify's time of our write: a late echo of an earlier push,
# older than it, is then told apart as stale.
_PUSH_SELECTION_BASE = 1 + 2 + 2
_PUSH_SET_FIELDS = (
    "product {{ id updatedAt variants(first: $v{n}) {{ nodes {{ id }} }} "
    "media(first: $m{n}) {{ nodes {{ id }} }} }} "
    "userErrors {{ field message code }}"
)
_PUSH_DELETE_FIELDS = "deletedProductId userErrors { field message }"


def variant_page(variant_count: int) -> int:
    """The variant page that reads back every variant id of a product (1 to 250)."""
    return max(1, min(MAX_VARIANT_PAGE, variant_count))


def media_page(new_media: int, media_count: int) -> int:
    """The media page a push reads back: every media when some are new, else just one."""
    return max(1, min(MAX_MEDIA_PAGE, media_count)) if new_media else 1


def push_set_cost(page: int, media: int = 1) -> int:
    """Requested cost of one productSet in `push_batch_document` (variant and media pages)."""
    return MUTATION_COST + _PUSH_SELECTION_BASE + page + media


@functools.lru_cache(maxsize=512)
def push_batch_document(kinds: tuple[str, ...]) -> str:
    """Aliased mutations `p{n}`, one per kind ("set" = productSet, "delete" = productDelete)."""
    declarations: list[str] = []
    fields: list[str] = []
    for n, kind in enumerate(kinds):
        if kind == "set":
            declarations.append(
                f"$i{n}: ProductSetInput!, $k{n}: ProductSetIdentifiers, $v{n}: Int!, "
                f"$m{n}: Int = 1"
            )
            fields.append(
                f"p{n}: productSet(input: $i{n}, identifier: $k{n}, synchronous: true) "
                f"{{ {_PUSH_SET_FIELDS.format(n=n)} }}"
            )
        elif kind == "delete":
            declarations.append(f"$i{n}: ProductDeleteInput!")
            fields.append(f"p{n}: productDelete(input: $i{n}) {{ {_PUSH_DELETE_FIELDS} }}")
        else:
            raise ValueError(f"unknown operation kind {kind!r}")
    return f"mutation pushBatch({', '.join(declarations)}) {{ {' '.join(fields)} }}"


def push_batch_variables(
    entries: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any] | None, int]],
    media_pages: Sequence[int] = (),
) -> dict[str, Any]:
    """Variables for `push_batch_document` from (kind, input, identifier, variant page), and
    each entry's media page (1 where not given)."""
    variables: dict[str, Any] = {}
    for n, (kind, product_input, identifier, page) in enumerate(entries):
        variables[f"i{n}"] = product_input
        if kind == "set":
            variables[f"k{n}"] = identifier
            variables[f"v{n}"] = page
            if n < len(media_pages) and media_pages[n] != 1:
                variables[f"m{n}"] = media_pages[n]
    return variables


@dataclass(frozen=True, slots=True)
class VariantRef:
    """A variant as productSet returned it: what we store to address it next time, and its
    inventory item and levels (InventoryLevel nodes) where the document read them."""

    id: str
    sku: str | None
    option_values: tuple[tuple[str, str], ...]
    inventory_item_id: str | None = None
    inventory_levels: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class ProductSetOutcome:
    """The result of one productSet: the product's ids, or the user errors that refused it."""

    product_id: str | None
    handle: str | None
    updated_at: str | None
    variants: tuple[VariantRef, ...] = ()
    media_ids: tuple[str, ...] = ()
    """The product's media ids in order, as far as the payload read them."""
    user_errors: list[UserError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.user_errors and self.product_id is not None


def parse_product_set_payload(payload: Mapping[str, Any] | None) -> ProductSetOutcome:
    """Read a ProductSetPayload (a batch alias or a bulk result line)."""
    errors = user_errors_in(payload)
    product = (payload or {}).get("product") or {}
    variants = tuple(
        VariantRef(
            id=node["id"],
            sku=node.get("sku"),
            option_values=tuple(
                (option["name"], option["value"]) for option in node.get("selectedOptions") or ()
            ),
            inventory_item_id=(item := node.get("inventoryItem") or {}).get("id"),
            inventory_levels=tuple((item.get("inventoryLevels") or {}).get("nodes") or ()),
        )
        for node in ((product.get("variants") or {}).get("nodes") or ())
    )
    if not product and not errors:
        message = "productSet returned no product" if payload else "productSet result missing"
        errors = [UserError(field=None, message=message, code=None)]
    return ProductSetOutcome(
        product_id=product.get("id"),
        handle=product.get("handle"),
        updated_at=product.get("updatedAt"),
        variants=variants,
        media_ids=tuple(node["id"] for node in (product.get("media") or {}).get("nodes") or ()),
        user_errors=errors,
    )
