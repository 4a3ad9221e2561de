"""productSet documents: one product, or k aliased productSet mutations in one request.

Two batch shapes:

* `build_product_set_batch(k)`: `p0 … p{k-1}: productSet(input: $input{i}, identifier:
  $identifier{i})` sharing one `$variantsFirst` and the full payload fragment (handle, updatedAt,
  variant skus and options). Its requested cost is k * (10 + payload selection);
  `max_batch_size` finds the largest k under Shopify's 1,000-point cap for a `variants_first`.
* `push_batch_document(kinds)`: what the push sends: productSet and productDelete aliases in any
  order (`$i{n}`, `$k{n}`, and a variant page `$v{n}` per product, so a small product does not
  pay for the largest one's page), selecting only the ids it records. `push_set_cost(page)` is
  one productSet's requested cost, `pack_by_cost` groups operations under a cap.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from product_dashboard.shopify.cost import MAX_QUERY_COST, MUTATION_COST, estimate_cost
from product_dashboard.shopify.documents import fragment
from product_dashboard.shopify.errors import UserError, user_errors_in

__all__ = [
    "DEFAULT_MAX_BATCH",
    "DEFAULT_VARIANTS_FIRST",
    "ProductSetOutcome",
    "VariantRef",
    "batch_alias",
    "batch_variables",
    "build_product_set_batch",
    "max_batch_size",
    "pack_by_cost",
    "parse_batch_result",
    "parse_product_set_payload",
    "plan_batches",
    "product_set_cost",
    "push_batch_document",
    "push_batch_variables",
    "push_set_cost",
    "variant_page",
]

DEFAULT_VARIANTS_FIRST = 100
"""Variants read back per product; must cover the largest product in the batch."""
DEFAULT_MAX_BATCH = 25
"""Products per batch document at most, whatever the cost allows (bounds request time)."""


MAX_VARIANT_PAGE = 250
# The push payload selects the product (1) and a page of variants (2 + one per variant).
_PUSH_SELECTION_BASE = 1 + 2
_PUSH_SET_FIELDS = (
    "product {{ id variants(first: $v{n}) {{ nodes {{ id }} }} }} "
    "userErrors {{ field message code }}"
)
_PUSH_DELETE_FIELDS = "deletedProductId userErrors { field message }"

T = TypeVar("T")


def batch_alias(index: int) -> str:
    return f"p{index}"


def variant_page(variant_count: int) -> int:
    """The variant page that reads back every variant id of a product (1 to 250)."""
    return max(1, min(MAX_VARIANT_PAGE, variant_count))


def push_set_cost(page: int) -> int:
    """Requested cost of one productSet in `push_batch_document` with variant page `page`."""
    return MUTATION_COST + _PUSH_SELECTION_BASE + page


@functools.lru_cache(maxsize=512)
def push_batch_document(kinds: tuple[str, ...]) -> str:
    """Aliased mutations `p{n}`, one per kind ("set" = productSet, "delete" = productDelete)."""
    declarations: list[str] = []
    fields: list[str] = []
    for n, kind in enumerate(kinds):
        if kind == "set":
            declarations.append(
                f"$i{n}: ProductSetInput!, $k{n}: ProductSetIdentifiers, $v{n}: Int!"
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
) -> dict[str, Any]:
    """Variables for `push_batch_document` from (kind, input, identifier, variant page)."""
    variables: dict[str, Any] = {}
    for n, (kind, product_input, identifier, page) in enumerate(entries):
        variables[f"i{n}"] = product_input
        if kind == "set":
            variables[f"k{n}"] = identifier
            variables[f"v{n}"] = page
    return variables


def pack_by_cost(
    items: Sequence[T], cost: Callable[[T], int], cost_cap: int, max_size: int
) -> list[list[T]]:
    """Group items in order so each group's summed cost stays within `cost_cap` (and size)."""
    batches: list[list[T]] = []
    current: list[T] = []
    total = 0
    for item in items:
        item_cost = cost(item)
        if current and (total + item_cost > cost_cap or len(current) >= max_size):
            batches.append(current)
            current, total = [], 0
        current.append(item)
        total += item_cost
    if current:
        batches.append(current)
    return batches


@functools.lru_cache(maxsize=64)
def build_product_set_batch(size: int) -> str:
    """A document with `size` aliased synchronous productSet mutations."""
    if size < 1:
        raise ValueError("a batch holds at least one productSet")
    params = [
        f"$input{i}: ProductSetInput!, $identifier{i}: ProductSetIdentifiers" for i in range(size)
    ]
    fields = [
        f"  {batch_alias(i)}: productSet(input: $input{i}, identifier: $identifier{i}, "
        f"synchronous: true) {{\n    ...ProductSetPayloadFields\n  }}"
        for i in range(size)
    ]
    header = f"mutation ProductSetBatch({', '.join(params)}, $variantsFirst: Int = 100) {{"
    return "\n".join([header, *fields, "}", fragment("ProductSetPayloadFields")])


def batch_variables(
    items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]],
    *,
    variants_first: int = DEFAULT_VARIANTS_FIRST,
) -> dict[str, Any]:
    """Variables for `build_product_set_batch(len(items))` from (input, identifier) pairs."""
    variables: dict[str, Any] = {"variantsFirst": variants_first}
    for i, (product_input, identifier) in enumerate(items):
        variables[f"input{i}"] = product_input
        variables[f"identifier{i}"] = identifier
    return variables


@functools.lru_cache(maxsize=256)
def product_set_cost(variants_first: int = DEFAULT_VARIANTS_FIRST) -> int:
    """Requested cost of one productSet in a batch (mutation 10 + payload selection)."""
    return estimate_cost(build_product_set_batch(1), {"variantsFirst": variants_first})


def max_batch_size(
    cost_cap: int = MAX_QUERY_COST, *, variants_first: int = DEFAULT_VARIANTS_FIRST
) -> int:
    """Largest k whose batch document stays within `cost_cap` requested points (at least 1)."""
    return max(1, cost_cap // product_set_cost(variants_first))


@dataclass(frozen=True, slots=True)
class VariantRef:
    """A variant as productSet returned it: what we store to address it next time."""

    id: str
    sku: str | None
    option_values: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ProductSetOutcome:
    """The result of one productSet: the product's ids, or the user errors that refused it."""

    product_id: str | None
    handle: str | None
    updated_at: str | None
    variants: tuple[VariantRef, ...] = ()
    user_errors: list[UserError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.user_errors and self.product_id is not None


def parse_product_set_payload(payload: Mapping[str, Any] | None) -> ProductSetOutcome:
    """Read a ProductSetPayload (single, batch alias or bulk result line)."""
    errors = user_errors_in(payload)
    product = (payload or {}).get("product") or {}
    variants = tuple(
        VariantRef(
            id=node["id"],
            sku=node.get("sku"),
            option_values=tuple(
                (option["name"], option["value"]) for option in node.get("selectedOptions") or ()
            ),
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
        user_errors=errors,
    )


def parse_batch_result(data: Mapping[str, Any], size: int) -> list[ProductSetOutcome]:
    """Outcomes in input order from the data of a `build_product_set_batch(size)` response."""
    return [parse_product_set_payload(data.get(batch_alias(i))) for i in range(size)]


def plan_batches(
    variant_counts: Sequence[int],
    *,
    cost_cap: int = MAX_QUERY_COST,
    max_size: int = DEFAULT_MAX_BATCH,
) -> list[tuple[list[int], int]]:
    """Group products (by index, order kept) into batches under `cost_cap` and `max_size`.

    Each group comes with the `variants_first` it needs (its largest variant count, at most
    250) so every variant id is read back. Use with `build_product_set_batch(len(group))` and
    `batch_variables(..., variants_first=...)`. `max_size` bounds the wall time of one request:
    every synchronous productSet in a document runs before Shopify answers.
    """
    batches: list[tuple[list[int], int]] = []
    group: list[int] = []
    widest = 1
    for index, count in enumerate(variant_counts):
        need = max(widest, min(max(count, 1), 250))
        full = len(group) >= max_size or (len(group) + 1) * product_set_cost(need) > cost_cap
        if group and full:
            batches.append((group, widest))
            group, need = [], min(max(count, 1), 250)
        group.append(index)
        widest = need
    if group:
        batches.append((group, widest))
    return batches
