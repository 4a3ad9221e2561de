"""Webhook topics: GraphQL enum names and the header form Shopify sends (`products/update`)."""

from __future__ import annotations

SUPPORTED_TOPICS: tuple[str, ...] = (
    "PRODUCTS_CREATE",
    "PRODUCTS_UPDATE",
    "PRODUCTS_DELETE",
    "COLLECTIONS_CREATE",
    "COLLECTIONS_UPDATE",
    "COLLECTIONS_DELETE",
    "BULK_OPERATIONS_FINISH",
    "INVENTORY_LEVELS_UPDATE",
)


def topic_header(topic: str) -> str:
    """Map a `WebhookSubscriptionTopic` enum name to its header form: BULK_OPERATIONS_FINISH ->
    bulk_operations/finish."""
    resource, _, action = topic.lower().rpartition("_")
    return f"{resource}/{action}"


TOPIC_HEADERS: dict[str, str] = {topic: topic_header(topic) for topic in SUPPORTED_TOPICS}


def normalize_topic(topic: str) -> str:
    """Accept `PRODUCTS_UPDATE` or `products/update`; return the enum name or raise ValueError."""
    candidate = topic.replace("/", "_").upper()
    if candidate not in TOPIC_HEADERS:
        raise ValueError(f"unsupported webhook topic: {topic!r}")
    return candidate
