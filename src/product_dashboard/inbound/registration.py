"""Register our webhook subscriptions on the store when WEBHOOK_CALLBACK_URL is set."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import WEBHOOK_SUBSCRIPTION_CREATE, WEBHOOK_SUBSCRIPTIONS
from product_dashboard.shopify.errors import ShopifyError

logger = logging.getLogger(__name__)

TOPICS = (
    "PRODUCTS_CREATE",
    "PRODUCTS_UPDATE",
    "PRODUCTS_DELETE",
    "COLLECTIONS_CREATE",
    "COLLECTIONS_UPDATE",
    "COLLECTIONS_DELETE",
    "BULK_OPERATIONS_FINISH",
    "INVENTORY_LEVELS_UPDATE",
)


async def existing_topics(client: ShopifyClient, callback_url: str) -> set[str]:
    topics: set[str] = set()
    after: str | None = None
    while True:
        data = (await client.execute(WEBHOOK_SUBSCRIPTIONS, {"first": 100, "after": after})).data
        page = data["webhookSubscriptions"]
        for node in page["nodes"]:
            if node.get("uri") == callback_url:
                topics.add(node["topic"])
        if not page["pageInfo"]["hasNextPage"]:
            return topics
        after = page["pageInfo"]["endCursor"]


async def register(client: ShopifyClient, callback_url: str) -> dict[str, Any]:
    """Create the subscriptions that are missing; idempotent. A report of what was done."""
    present = await existing_topics(client, callback_url)
    created: list[str] = []
    errors: list[str] = []
    for topic in TOPICS:
        if topic in present:
            continue
        data = (
            await client.execute(
                WEBHOOK_SUBSCRIPTION_CREATE,
                {
                    "topic": topic,
                    "webhookSubscription": {"uri": callback_url, "format": "JSON"},
                },
                idempotent=False,
            )
        ).data["webhookSubscriptionCreate"]
        if data["userErrors"]:
            errors.extend(f"{topic}: {e['message']}" for e in data["userErrors"])
        else:
            created.append(topic)
    return {
        "state": "failed" if errors else "registered",
        "callback_url": callback_url,
        "created": created,
        "already_present": sorted(present & set(TOPICS)),
        "errors": errors,
    }


async def register_with_retries(
    client: ShopifyClient, callback_url: str, report: dict[str, Any], attempts: int = 5
) -> None:
    """Background registration: start-up must not wait on (or die with) the store."""
    for attempt in range(attempts):
        try:
            done = await register(client, callback_url)
        except ShopifyError as exc:
            report.update({"state": "failed", "callback_url": callback_url, "errors": [str(exc)]})
            logger.warning("webhook registration attempt %d failed: %s", attempt + 1, exc)
            await asyncio.sleep(min(60.0, 2.0**attempt))
            continue
        # Replaced in one step: the status endpoint reads this dict while the attempt runs.
        report.clear()
        report.update(done)
        return
