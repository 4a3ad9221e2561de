"""Collections ↔ Shopify: not available until the sync engine's Shopify client is."""

from __future__ import annotations

from product_dashboard.exceptions import AppError


class SyncNotAvailable(AppError):
    status_code = 503
    kind = "not_available"


def unavailable() -> SyncNotAvailable:
    return SyncNotAvailable(
        "Collection sync with Shopify is not available yet: it needs the sync engine's Shopify "
        "client, which is still being built. Local collections work; they record their Shopify "
        "ids and versions so that sync can pick them up once it exists."
    )
