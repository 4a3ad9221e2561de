"""Webhook subscriptions: an in-memory registry with Shopify's ids, validation and GraphQL shape."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from shopify_emulator.gid import is_numeric_id
from shopify_emulator.webhooks.topics import TOPIC_HEADERS, normalize_topic

SUBSCRIPTION_GID_PREFIX = "gid://shopify/WebhookSubscription/"


class WebhookSubscriptionError(ValueError):
    """A rejected create/delete; `to_user_error()` gives Shopify's `UserError` shape."""

    def __init__(self, field: list[str], message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def to_user_error(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message}


@dataclass(slots=True)
class WebhookSubscription:
    """One subscription; `topic` is the GraphQL enum name, e.g. PRODUCTS_UPDATE."""

    legacy_resource_id: int
    topic: str
    callback_url: str
    api_version: str
    format: str = "JSON"
    include_fields: list[str] = field(default_factory=list)
    filter: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def id(self) -> str:
        return f"{SUBSCRIPTION_GID_PREFIX}{self.legacy_resource_id}"

    @property
    def topic_header(self) -> str:
        return TOPIC_HEADERS[self.topic]

    def to_graphql(self) -> dict[str, Any]:
        """The `WebhookSubscription` object as the Admin GraphQL API returns it."""
        return {
            "__typename": "WebhookSubscription",
            "id": self.id,
            "legacyResourceId": self.legacy_resource_id,
            "topic": self.topic,
            "format": self.format,
            "callbackUrl": self.callback_url,
            "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": self.callback_url},
            "uri": self.callback_url,
            "includeFields": list(self.include_fields),
            "metafieldNamespaces": [],
            "metafields": [],
            "filter": self.filter,
            "apiVersion": {
                "handle": self.api_version,
                "displayName": self.api_version,
                "supported": True,
            },
            "createdAt": _graphql_datetime(self.created_at),
            "updatedAt": _graphql_datetime(self.updated_at),
        }


class SubscriptionRegistry:
    """Subscriptions of one shop, keyed by legacy id in creation order."""

    def __init__(self, api_version: str) -> None:
        self._api_version = api_version
        self._by_id: dict[int, WebhookSubscription] = {}
        self._ids = itertools.count(1)

    def create(
        self,
        topic: str,
        callback_url: str,
        *,
        format: str = "JSON",
        include_fields: list[str] | None = None,
        filter: str | None = None,
    ) -> WebhookSubscription:
        """Validate and add a subscription; raise WebhookSubscriptionError on a user error."""
        try:
            enum_topic = normalize_topic(topic)
        except ValueError:
            raise WebhookSubscriptionError(["topic"], f"Topic {topic} is not supported") from None
        if not _is_http_url(callback_url):
            raise WebhookSubscriptionError(
                ["webhookSubscription", "callbackUrl"], "Address is invalid"
            )
        if format != "JSON":
            raise WebhookSubscriptionError(
                ["webhookSubscription", "format"], "Only the JSON format is supported"
            )
        for existing in self._by_id.values():
            if existing.topic == enum_topic and existing.callback_url == callback_url:
                raise WebhookSubscriptionError(
                    ["webhookSubscription", "callbackUrl"],
                    "Address for this topic has already been taken",
                )
        subscription = WebhookSubscription(
            legacy_resource_id=next(self._ids),
            topic=enum_topic,
            callback_url=callback_url,
            api_version=self._api_version,
            format=format,
            include_fields=list(include_fields or []),
            filter=filter,
        )
        self._by_id[subscription.legacy_resource_id] = subscription
        return subscription

    def delete(self, subscription_id: str) -> WebhookSubscription:
        """Remove by gid; raise WebhookSubscriptionError when it does not exist."""
        legacy_id = _legacy_id(subscription_id)
        subscription = self._by_id.pop(legacy_id, None) if legacy_id is not None else None
        if subscription is None:
            raise WebhookSubscriptionError(["id"], "Webhook subscription does not exist")
        return subscription

    def get(self, subscription_id: str) -> WebhookSubscription | None:
        legacy_id = _legacy_id(subscription_id)
        return self._by_id.get(legacy_id) if legacy_id is not None else None

    def list(self, topic: str | None = None) -> list[WebhookSubscription]:
        """All subscriptions, or those of one topic (enum or header form), oldest first."""
        if topic is None:
            return list(self._by_id.values())
        enum_topic = normalize_topic(topic)
        return [s for s in self._by_id.values() if s.topic == enum_topic]


def _legacy_id(subscription_id: str) -> int | None:
    if not subscription_id.startswith(SUBSCRIPTION_GID_PREFIX):
        return None
    tail = subscription_id.removeprefix(SUBSCRIPTION_GID_PREFIX)
    return int(tail) if is_numeric_id(tail) else None


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _graphql_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
