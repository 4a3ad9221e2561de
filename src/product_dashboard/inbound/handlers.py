"""What each topic does once its event is processed. Runs inside the processor's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.collection.inbound import UnreadableCollection
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import (
    InboundResult,
    apply_remote,
    apply_remote_delete,
)
from product_dashboard.eventstream.bus import SYNC, WEBHOOKS, EventBus
from product_dashboard.inbound.collections import COLLECTION_TOPICS, handle_collection
from product_dashboard.inbound.payloads import missing_keys, product_from_rest, resource_gid
from product_dashboard.inbound.sample import is_test_delivery
from product_dashboard.inventory.inbound import TOPIC as LEVEL_TOPIC
from product_dashboard.inventory.inbound import LevelOutcome, LevelUpdate, apply_level_update
from product_dashboard.job.commit_hooks import on_commit
from product_dashboard.kit.time import parse_time
from product_dashboard.models import WebhookEvent, WebhookState
from product_dashboard.shopify.mapping import SyncProduct

PRODUCT_TOPICS = frozenset({"products/create", "products/update"})


class PayloadError(ValueError):
    """The body cannot be understood; retrying will not help."""


class IncompleteBody(PayloadError):
    """A product body that leaves out part of the product (a subscription's `includeFields`, a
    variant list cut short): read as it is, what it leaves out would be cleared here. The
    product is read from Shopify instead (`Reread`), or the event fails saying what is missing."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"product body without {', '.join(missing)}; read the product instead")
        self.missing = missing


@dataclass(frozen=True, slots=True)
class Reread:
    """An incomplete product body's product as Shopify holds it now (None: no longer there)."""

    product: SyncProduct | None
    updated_at: datetime | None


@dataclass(slots=True)
class Handled:
    state: WebhookState
    outcome: str
    detail: dict[str, Any]


def _payload(event: WebhookEvent) -> dict[str, Any]:
    try:
        payload = json.loads(event.body)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise PayloadError("body is not a JSON object")
    return payload


def read_product(payload: dict[str, Any]) -> SyncProduct:
    if resource_gid("products/update", payload) is None:
        raise PayloadError("product payload without an id")
    if missing := missing_keys(payload):
        raise IncompleteBody(missing)
    try:
        remote = product_from_rest(payload)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise PayloadError(f"unreadable product payload: {exc}") from exc
    return remote


def read_product_event(event: WebhookEvent) -> tuple[SyncProduct, datetime | None] | None:
    """A product event's product and Shopify time, when it is one to apply (a readable
    `products/create` or `products/update`, not a test delivery); None otherwise."""
    if event.topic not in PRODUCT_TOPICS or is_test_delivery(event.webhook_id):
        return None
    try:
        payload = _payload(event)
        return read_product(payload), parse_time(payload.get("updated_at"))
    except ValueError:  # (PayloadError too) applied alone, it fails saying why
        return None


def incomplete_product_event(event: WebhookEvent) -> bool:
    """Whether this is a product event whose body leaves out part of the product."""
    if event.topic not in PRODUCT_TOPICS or is_test_delivery(event.webhook_id):
        return False
    try:
        payload = _payload(event)
    except PayloadError:
        return False
    return bool(missing_keys(payload))


def read_level_event(event: WebhookEvent) -> LevelUpdate | None:
    """An `inventory_levels/update` event's report, when its body is readable; None otherwise
    (applied alone, it fails saying why)."""
    if event.topic != LEVEL_TOPIC:
        return None
    try:
        return LevelUpdate.model_validate(_payload(event))
    except ValueError:  # (PayloadError and pydantic's ValidationError too)
        return None


def handled_level(outcome: LevelOutcome) -> Handled:
    return Handled(WebhookState.processed, outcome.value, {})


def handled_product(result: InboundResult) -> Handled:
    return Handled(WebhookState.processed, result.outcome.value, result.as_dict())


async def handle(
    session: AsyncSession,
    event: WebhookEvent,
    events: ConflictEvents,
    bus: EventBus | None,
    reread: Reread | None = None,
) -> Handled:
    """`reread`: the product read from Shopify in place of an incomplete product body."""
    payload = _payload(event)
    if event.topic in PRODUCT_TOPICS:
        if reread is not None:
            if reread.product is None:
                return Handled(WebhookState.ignored, "not_in_store", {})
            remote, updated_at = reread.product, reread.updated_at
        else:
            remote, updated_at = read_product(payload), parse_time(payload.get("updated_at"))
        if is_test_delivery(event.webhook_id):
            return Handled(WebhookState.processed, "test", {"title": remote.title})
        result = await apply_remote(
            session,
            remote,
            remote_updated_at=updated_at,
            source="webhook",
            events=events,
        )
        return handled_product(result)
    if event.topic == "products/delete":
        gid = resource_gid(event.topic, payload)
        if gid is None:
            raise PayloadError("delete payload without an id")
        result = await apply_remote_delete(session, gid, source="webhook", events=events)
        return Handled(WebhookState.processed, result.outcome.value, result.as_dict())
    if event.topic in COLLECTION_TOPICS:
        try:
            collection = await handle_collection(session, event, payload)
        except UnreadableCollection as exc:
            raise PayloadError(str(exc)) from exc
        detail = collection.as_dict()
        _publish_on_commit(session, bus, WEBHOOKS, event.topic, {**detail, "payload": payload})
        return Handled(WebhookState.processed, collection.outcome.value, detail)
    if event.topic == LEVEL_TOPIC:
        try:
            level = await apply_level_update(session, payload)
        except ValueError as exc:
            raise PayloadError(f"unreadable inventory level payload: {exc}") from exc
        return handled_level(level)
    if event.topic == "bulk_operations/finish":
        _publish_on_commit(session, bus, SYNC, event.topic, {"payload": payload})
        return Handled(WebhookState.processed, "recorded", {})
    return Handled(WebhookState.ignored, "unsupported_topic", {})


def _publish_on_commit(
    session: AsyncSession, bus: EventBus | None, channel: str, topic: str, data: dict[str, Any]
) -> None:
    if bus is not None:
        event = {"topic": topic, **data}

        def publish() -> None:
            bus.publish(channel, f"webhook.{topic}", event)

        on_commit(session, publish)
