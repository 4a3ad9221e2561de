"""Outgoing webhooks of the emulator: subscriptions, signed delivery with retries, REST payloads."""

from shopify_emulator.webhooks.dispatcher import (
    BASE_RETRY_DELAYS_S,
    DeliveryAttempt,
    WebhookDispatcher,
    WebhookStats,
    select_fields,
)
from shopify_emulator.webhooks.payloads import (
    bulk_operation_finish_payload,
    collection_delete_payload,
    collection_webhook_payload,
    inventory_level_payload,
    product_delete_payload,
    product_webhook_payload,
)
from shopify_emulator.webhooks.queries import COLLECTION_WEBHOOK_QUERY, PRODUCT_WEBHOOK_QUERY
from shopify_emulator.webhooks.signing import sign_body, verify_signature
from shopify_emulator.webhooks.subscriptions import (
    SubscriptionRegistry,
    WebhookSubscription,
    WebhookSubscriptionError,
)
from shopify_emulator.webhooks.topics import SUPPORTED_TOPICS, TOPIC_HEADERS, topic_header

__all__ = [
    "BASE_RETRY_DELAYS_S",
    "COLLECTION_WEBHOOK_QUERY",
    "PRODUCT_WEBHOOK_QUERY",
    "SUPPORTED_TOPICS",
    "TOPIC_HEADERS",
    "DeliveryAttempt",
    "SubscriptionRegistry",
    "WebhookDispatcher",
    "WebhookStats",
    "WebhookSubscription",
    "WebhookSubscriptionError",
    "bulk_operation_finish_payload",
    "collection_delete_payload",
    "collection_webhook_payload",
    "inventory_level_payload",
    "product_delete_payload",
    "product_webhook_payload",
    "select_fields",
    "sign_body",
    "topic_header",
    "verify_signature",
]
