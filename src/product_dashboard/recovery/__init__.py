"""Products Shopify deleted, kept whole here, and brought back."""
