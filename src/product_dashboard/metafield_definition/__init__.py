"""The store's metafield definitions of products and variants, pulled from Shopify and read-only
here: what a namespace.key holds (its type), its name and description, for the product page's
metafield card and the bulk editor's metafield columns.

    report = await pull_definitions(session, client)   # every full pull (sync/pull/engine.py)
    GET /api/metafield-definitions?owner_type=PRODUCT    # endpoints.py
"""

from product_dashboard.metafield_definition.pull import DefinitionsPulled, pull_definitions

__all__ = ["DefinitionsPulled", "pull_definitions"]
