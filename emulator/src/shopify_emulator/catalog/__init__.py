"""Write operations on the catalog: Shopify's validation rules and change semantics."""
