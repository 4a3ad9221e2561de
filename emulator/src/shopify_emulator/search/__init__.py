"""Shopify's search syntax for the `query` argument of products, variants and collections."""

from shopify_emulator.search.filters import (
    collection_filter,
    product_filter,
    variant_filter,
)
from shopify_emulator.search.parser import SearchSyntaxError, parse_query

__all__ = [
    "SearchSyntaxError",
    "collection_filter",
    "parse_query",
    "product_filter",
    "variant_filter",
]
