"""Shopify Admin GraphQL API client: transport, cost pacing, documents, bulk, mapping."""
