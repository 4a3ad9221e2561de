"""The store's restore rate (points a second), what sets how fast plain GraphQL calls can go."""

from __future__ import annotations

from product_dashboard.shopify.client import ShopifyClient

PROBE = "query probe { shop { name } }"


async def restore_rate(client: ShopifyClient) -> float | None:
    """As the pacer last heard it, else from a one-point request; None if Shopify says nothing."""
    pacer = client.pacer
    if pacer is not None and pacer.known:
        return pacer.restore_rate
    response = await client.execute(PROBE)
    status = response.cost.throttle_status if response.cost else None
    return status.restore_rate if status else None
