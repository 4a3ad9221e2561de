"""GraphQL documents shipped in `queries/*.graphql`, with the fragments each one uses appended."""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from importlib import resources

from graphql import parse, print_ast

from product_dashboard.shopify.cost import MAX_QUERY_COST, estimate_cost

__all__ = [
    "BULK_OPERATIONS_ACTIVE",
    "BULK_OPERATIONS_STATUS",
    "BULK_OPERATION_CANCEL",
    "BULK_OPERATION_RUN_MUTATION",
    "BULK_OPERATION_RUN_QUERY",
    "BULK_OPERATION_STATUS",
    "COLLECTION_CREATE",
    "COLLECTION_DELETE",
    "COLLECTION_REORDER_PRODUCTS",
    "COLLECTION_UPDATE",
    "INVENTORY_ITEM_HS_CODES",
    "INVENTORY_LEVELS_READ",
    "INVENTORY_SET_QUANTITIES",
    "LOCATIONS",
    "METAFIELD_DEFINITIONS",
    "PRODUCTS_COUNT",
    "PRODUCTS_ID_SPAN",
    "PRODUCTS_PAGE",
    "PRODUCT_BY_ID",
    "PRODUCT_DELETE",
    "PRODUCT_IDS",
    "PUBLICATIONS",
    "PUSH_PRODUCT_SET_LINE",
    "SHOP",
    "STAGED_UPLOADS_CREATE",
    "VARIANTS_COUNT",
    "VARIANTS_ID_SPAN",
    "VARIANT_INVENTORY_ITEMS",
    "WEBHOOK_SUBSCRIPTIONS",
    "WEBHOOK_SUBSCRIPTION_CREATE",
    "WEBHOOK_SUBSCRIPTION_DELETE",
    "all_documents",
    "bulk_products_query",
    "bulk_variants_query",
    "document",
    "largest_page",
    "updated_since_filter",
]

_QUERIES = "product_dashboard.shopify.queries"
_FRAGMENT_PREFIX = "fragment_"
_SPREAD = re.compile(r"\.\.\.\s*([_A-Za-z][_0-9A-Za-z]*)")


def _read(name: str) -> str:
    return resources.files(_QUERIES).joinpath(f"{name}.graphql").read_text(encoding="utf-8")


@functools.cache
def _fragments() -> dict[str, str]:
    """Fragment name -> its definition text, from every fragment_*.graphql file."""
    found: dict[str, str] = {}
    for entry in resources.files(_QUERIES).iterdir():
        if entry.name.startswith(_FRAGMENT_PREFIX) and entry.name.endswith(".graphql"):
            text = entry.read_text(encoding="utf-8")
            for match in re.finditer(r"fragment\s+([_A-Za-z][_0-9A-Za-z]*)\s+on", text):
                found[match.group(1)] = text
    return found


def with_fragments(text: str) -> str:
    """`text` followed by every fragment it spreads, transitively, each once."""
    fragments = _fragments()
    needed: list[str] = []
    pending = [name for name in _SPREAD.findall(text) if name in fragments]
    while pending:
        name = pending.pop(0)
        if name in needed:
            continue
        needed.append(name)
        pending.extend(n for n in _SPREAD.findall(fragments[name]) if n in fragments)
    return "\n".join([text.rstrip(), *(fragments[name].rstrip() for name in needed)]) + "\n"


@functools.cache
def document(name: str) -> str:
    """The executable document `queries/{name}.graphql` with its fragments."""
    return with_fragments(_read(name))


def all_documents() -> dict[str, str]:
    """Every shipped operation document by file stem (fragments excluded)."""
    names = sorted(
        entry.name.removesuffix(".graphql")
        for entry in resources.files(_QUERIES).iterdir()
        if entry.name.endswith(".graphql") and not entry.name.startswith(_FRAGMENT_PREFIX)
    )
    return {name: document(name) for name in names}


PUSH_PRODUCT_SET_LINE = document("push_product_set_line")
PRODUCT_DELETE = document("product_delete")
PRODUCTS_PAGE = document("products_page")
PRODUCTS_COUNT = document("products_count")
PRODUCTS_ID_SPAN = document("products_id_span")
PRODUCT_IDS = document("product_ids")
PRODUCT_BY_ID = document("product_by_id")
STAGED_UPLOADS_CREATE = document("staged_uploads_create")
BULK_OPERATION_RUN_MUTATION = document("bulk_operation_run_mutation")
BULK_OPERATION_RUN_QUERY = document("bulk_operation_run_query")
BULK_OPERATION_STATUS = document("bulk_operation_status")
BULK_OPERATION_CANCEL = document("bulk_operation_cancel")
BULK_OPERATIONS_ACTIVE = document("bulk_operations_active")
BULK_OPERATIONS_STATUS = document("bulk_operations_status")
COLLECTION_CREATE = document("collection_create")
COLLECTION_UPDATE = document("collection_update")
COLLECTION_DELETE = document("collection_delete")
COLLECTION_REORDER_PRODUCTS = document("collection_reorder_products")
WEBHOOK_SUBSCRIPTION_CREATE = document("webhook_subscription_create")
WEBHOOK_SUBSCRIPTION_DELETE = document("webhook_subscription_delete")
WEBHOOK_SUBSCRIPTIONS = document("webhook_subscriptions")
SHOP = document("shop")
LOCATIONS = document("locations")
METAFIELD_DEFINITIONS = document("metafield_definitions")
PUBLICATIONS = document("publications")
VARIANT_INVENTORY_ITEMS = document("variant_inventory_items")
INVENTORY_ITEM_HS_CODES = document("inventory_item_hs_codes")
INVENTORY_LEVELS_READ = document("inventory_levels_read")
INVENTORY_SET_QUANTITIES = document("inventory_set_quantities")
VARIANTS_COUNT = document("variants_count")
VARIANTS_ID_SPAN = document("variants_id_span")


def updated_since_filter(since: datetime) -> str:
    """Shopify search syntax for products changed after `since` (naive datetimes are UTC)."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"updated_at:>'{stamp}'"


def bulk_products_query(search: str | None = None) -> str:
    """The bulk export query string, optionally filtered, e.g. by `updated_since_filter(...)`."""
    text = _read("bulk_products_export")
    if search:
        # A JSON string literal is a valid GraphQL string literal.
        text = text.replace("products {", f"products(query: {json.dumps(search)}) {{", 1)
    return print_ast(parse(text, no_location=True))


def bulk_variants_query(search: str | None = None) -> str:
    """The bulk export query of the variants' metafields and media (`bulk_variants_export`),
    optionally filtered (e.g. by an id range)."""
    text = _read("bulk_variants_export")
    if search:
        text = text.replace(
            "productVariants {", f"productVariants(query: {json.dumps(search)}) {{", 1
        )
    return print_ast(parse(text, no_location=True))


def largest_page(
    document_text: str,
    variables: dict[str, object] | None = None,
    *,
    page_variable: str = "first",
    cost_cap: int = MAX_QUERY_COST,
    limit: int = 250,
) -> int:
    """The largest `$page_variable` keeping the document's requested cost within `cost_cap`."""
    base = dict(variables or {})
    one = estimate_cost(document_text, {**base, page_variable: 1})
    zero = estimate_cost(document_text, {**base, page_variable: 0})
    per_item = max(1, one - zero)
    return max(1, min(limit, (cost_cap - zero) // per_item))
