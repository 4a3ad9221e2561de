"""collections/create|update|delete: what the event history says, then collection/inbound.py.

Out-of-order deliveries are recognised from the events already handled for the same collection
(the collection table records no Shopify timestamp): a body whose `updated_at` is older than one
already handled, a creation arriving after any other event, or anything after the deletion, is
stale.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.collection.inbound import (
    CollectionInboundResult,
    UnreadableCollection,
    apply_remote_collection,
    apply_remote_collection_delete,
    collection_gid,
    remote_collection,
)
from product_dashboard.inbound.repository import WebhookEventRepository
from product_dashboard.kit.time import parse_time
from product_dashboard.models import WebhookEvent

COLLECTION_TOPICS = frozenset({"collections/create", "collections/update", "collections/delete"})
HISTORY = 50  # earlier events of the same collection consulted


async def handle_collection(
    session: AsyncSession, event: WebhookEvent, payload: dict[str, Any]
) -> CollectionInboundResult:
    if event.topic == "collections/delete":
        gid = collection_gid(payload)
        if gid is None:
            raise UnreadableCollection("delete payload without an id")
        return await apply_remote_collection_delete(session, gid)
    remote = remote_collection(payload, parse_time(payload.get("updated_at")))
    return await apply_remote_collection(
        session, remote, stale=await _superseded(session, event, remote.updated_at)
    )


async def _superseded(
    session: AsyncSession, event: WebhookEvent, updated_at: datetime | None
) -> bool:
    history = await WebhookEventRepository(session).handled_before(
        event.resource_id or "", exclude_id=event.id, topics=COLLECTION_TOPICS, limit=HISTORY
    )
    for topic, body in history:
        if topic == "collections/delete" or event.topic == "collections/create":
            # Shopify never reuses an id, and a collection's creation comes before anything
            # else about it: so whatever arrives after a deletion, and a creation that arrives
            # after anything else, is older. (updated_at has only whole seconds.)
            return True
        if updated_at is None:
            continue
        try:
            seen = parse_time(json.loads(body).get("updated_at"))
        except (ValueError, AttributeError):
            continue
        if seen is not None and seen > updated_at:
            return True
    return False
