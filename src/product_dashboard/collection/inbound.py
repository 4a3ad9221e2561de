"""Apply Shopify's collection webhooks (collections/create|update|delete) locally. Never commits.

Matching and precedence follow the collection pull (`collection/sync.py`): a collection is found
by its Shopify id; local changes not yet pushed win until they are pushed (the delivery is
skipped, the next pull or push settles it); a remote-only change is copied and the collection
marked synced. An unlinked local collection with the same handle is left alone: it is most
likely our own push creating it, which links it. Deliveries older than one already handled for
the same collection, or arriving after its deletion, are stale (the caller knows the history).

Shopify's webhook bodies carry no products, so a manual collection's membership is left to the
pull. Smart-collection rules arrive in REST form (`{"column": "tag", "relation": "equals"}`) and
are stored in the GraphQL form the rest of the app uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, cast, get_args

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.collection import service
from product_dashboard.collection.repository import CollectionRepository
from product_dashboard.collection.schemas import (
    CollectionCreate,
    CollectionUpdate,
    SortOrderLiteral,
)
from product_dashboard.collection.service import snapshot, synced_base
from product_dashboard.collection.sources import same_rules
from product_dashboard.kit.time import utcnow
from product_dashboard.models import AuditSource, Collection, CollectionType
from product_dashboard.product.normalize import handle_from_title
from product_dashboard.product.rules import Rule

COLLECTION_GID = "gid://shopify/Collection/"
WEBHOOK_ACTOR = Actor(source=AuditSource.webhook)
SORT_ORDERS = frozenset(get_args(SortOrderLiteral))


class UnreadableCollection(ValueError):
    """The body cannot become a local collection; retrying will not help."""


class CollectionOutcome(StrEnum):
    created = "created"  # made in Shopify's admin, now created here
    updated = "updated"  # remote changes copied, collection marked synced
    unchanged = "unchanged"  # Shopify holds what we have (typically our own push's echo)
    deleted = "deleted"  # deleted in Shopify and locally unchanged: deleted here too
    local_changes = "local_changes"  # edits here not yet pushed win until pushed
    stale = "stale"  # older than a delivery already handled, or after the deletion
    not_linked = "not_linked"  # nothing here to apply it to (or our push is still creating it)


@dataclass(frozen=True, slots=True)
class RemoteCollection:
    shopify_id: str
    title: str | None
    handle: str | None
    description_html: str | None
    sort_order: str | None  # GraphQL form: "ALPHA_ASC", "MANUAL", …
    rules: list[Rule] | None  # None: a custom (manual) collection
    disjunctive: bool
    updated_at: datetime | None
    unsupported_rules: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class CollectionInboundResult:
    outcome: CollectionOutcome
    collection_id: int | None = None
    fields: list[str] = field(default_factory=list)
    unsupported_rules: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "outcome": self.outcome.value,
            "collection_id": self.collection_id,
            "fields": self.fields,
        }
        if self.unsupported_rules:
            data["unsupported_rules"] = self.unsupported_rules
        return data


def collection_gid(payload: Mapping[str, Any]) -> str | None:
    gid = payload.get("admin_graphql_api_id")
    if isinstance(gid, str) and gid.startswith(COLLECTION_GID):
        return gid
    legacy = payload.get("id")
    if isinstance(legacy, int) and not isinstance(legacy, bool):
        return f"{COLLECTION_GID}{legacy}"
    return None


def _text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) else None


def _sort_order(value: Any) -> str | None:
    """REST's "alpha-asc" / "best-selling" as GraphQL's ALPHA_ASC / BEST_SELLING."""
    return value.strip().upper().replace("-", "_") if isinstance(value, str) and value else None


def _rules(raw: Any) -> tuple[list[Rule], list[dict[str, Any]]]:
    """REST rules in the stored (GraphQL) form, and those this app cannot evaluate."""
    rules: list[Rule] = []
    unsupported: list[dict[str, Any]] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        candidate = {
            "column": str(item.get("column") or "").upper(),
            "relation": str(item.get("relation") or "").upper(),
            "condition": str(item.get("condition") or ""),
        }
        try:
            rules.append(Rule.model_validate(candidate))
        except ValidationError:
            unsupported.append(dict(item))
    return rules, unsupported


def remote_collection(payload: Mapping[str, Any], updated_at: datetime | None) -> RemoteCollection:
    """A `collections/create|update` body (Shopify's REST collection) as a RemoteCollection."""
    gid = collection_gid(payload)
    if gid is None:
        raise UnreadableCollection("collection payload without an id")
    has_rules = isinstance(payload.get("rules"), list) and bool(payload["rules"])
    rules, unsupported = _rules(payload.get("rules")) if has_rules else ([], [])
    return RemoteCollection(
        shopify_id=gid,
        title=_text(payload, "title"),
        handle=_text(payload, "handle"),
        description_html=_text(payload, "body_html"),
        sort_order=_sort_order(payload.get("sort_order")),
        rules=rules if has_rules else None,
        disjunctive=bool(payload.get("disjunctive")),
        updated_at=updated_at,
        unsupported_rules=unsupported,
    )


def _unsynced(collection: Collection) -> bool:
    return collection.deleted_at is not None or (
        collection.synced_version is not None and collection.version > collection.synced_version
    )


def _mark_synced(collection: Collection) -> None:
    collection.synced_base = synced_base(collection)
    collection.synced_version = collection.version
    collection.synced_at = utcnow()
    collection.sync_error = None


async def _by_shopify_id(
    session: AsyncSession, shopify_id: str, *, include_deleted: bool = False
) -> Collection | None:
    statement = select(Collection).where(Collection.shopify_collection_id == shopify_id)
    if not include_deleted:
        statement = statement.where(Collection.deleted_at.is_(None))
    return await session.scalar(statement)


async def apply_remote_collection(
    session: AsyncSession, remote: RemoteCollection, *, stale: bool
) -> CollectionInboundResult:
    """Create or update the local collection from Shopify's; `stale`: a newer one was handled."""
    if stale:
        return CollectionInboundResult(CollectionOutcome.stale)
    collection = await _by_shopify_id(session, remote.shopify_id, include_deleted=True)
    if collection is None:
        return await _create(session, remote)
    if _unsynced(collection):
        return CollectionInboundResult(CollectionOutcome.local_changes, collection.id)
    return await _update(session, collection, remote)


async def _create(session: AsyncSession, remote: RemoteCollection) -> CollectionInboundResult:
    if not remote.title:
        return CollectionInboundResult(CollectionOutcome.not_linked)
    handle = remote.handle or handle_from_title(remote.title)
    same_handle = await session.scalar(
        select(Collection).where(Collection.handle == handle, Collection.deleted_at.is_(None))
    )
    if same_handle is not None and same_handle.shopify_collection_id is None:
        # Most likely our own push creating it, not yet recorded: the push links it.
        return CollectionInboundResult(CollectionOutcome.not_linked, same_handle.id)
    if remote.rules is not None and not remote.rules:
        raise UnreadableCollection(
            f"smart collection with no rule this app can evaluate: {remote.unsupported_rules}"
        )
    if same_handle is not None or await CollectionRepository(session).handle_taken(handle):
        handle = f"{handle}-shopify"
    smart = remote.rules is not None
    data = CollectionCreate(
        title=remote.title,
        handle=handle,
        description_html=remote.description_html or "",
        collection_type="smart" if smart else "manual",
        rules=remote.rules,
        disjunctive=remote.disjunctive if smart else None,
        sort_order=_allowed_sort(remote.sort_order, smart),
    )
    collection = await service.create(session, data, WEBHOOK_ACTOR)
    collection.shopify_collection_id = remote.shopify_id
    _mark_synced(collection)
    await session.flush()
    return CollectionInboundResult(
        CollectionOutcome.created, collection.id, unsupported_rules=remote.unsupported_rules
    )


def _allowed_sort(sort_order: str | None, smart: bool) -> SortOrderLiteral | None:
    if sort_order not in SORT_ORDERS or (smart and sort_order == "MANUAL"):
        return None
    return cast(SortOrderLiteral, sort_order)


async def _update(
    session: AsyncSession, collection: Collection, remote: RemoteCollection
) -> CollectionInboundResult:
    """Through the collection service (validated, versioned, audited), then marked synced."""
    smart = collection.collection_type == CollectionType.smart
    handle = remote.handle if remote.handle != collection.handle else None
    if handle and await CollectionRepository(session).handle_taken(
        handle, exclude_id=collection.id
    ):
        handle = None  # another local collection holds it: keep ours
    # Only a smart collection takes rules; one whose rules we cannot all evaluate keeps its own,
    # and rules that mean what ours say ("20" for "20.00") keep the merchant's wording.
    take_rules = (
        smart
        and bool(remote.rules)
        and not remote.unsupported_rules
        and not (
            remote.disjunctive == collection.disjunctive
            and same_rules([Rule.model_validate(r) for r in collection.rules], remote.rules or [])
        )
    )
    data = CollectionUpdate(
        title=remote.title or None,
        handle=handle,
        description_html=remote.description_html,
        rules=remote.rules if take_rules else None,
        disjunctive=remote.disjunctive if take_rules else None,
        sort_order=_allowed_sort(remote.sort_order, smart),
    )
    before, version = snapshot(collection), collection.version
    await service.update(session, collection.id, data, WEBHOOK_ACTOR)
    if collection.version == version:
        return CollectionInboundResult(
            CollectionOutcome.unchanged, collection.id, unsupported_rules=remote.unsupported_rules
        )
    _mark_synced(collection)
    after = snapshot(collection)
    await session.flush()
    return CollectionInboundResult(
        CollectionOutcome.updated,
        collection.id,
        sorted(k for k in after if after[k] != before.get(k)),
        unsupported_rules=remote.unsupported_rules,
    )


async def apply_remote_collection_delete(
    session: AsyncSession, shopify_id: str
) -> CollectionInboundResult:
    """Shopify deleted a collection: delete it here too, unless it has edits not yet pushed."""
    collection = await _by_shopify_id(session, shopify_id, include_deleted=True)
    if collection is None:
        return CollectionInboundResult(CollectionOutcome.not_linked)
    if collection.deleted_at is None and _unsynced(collection):
        return CollectionInboundResult(CollectionOutcome.local_changes, collection.id)
    before = snapshot(collection)
    collection_id = collection.id
    await session.delete(collection)  # memberships go with it (ON DELETE CASCADE)
    audit.record(
        session,
        WEBHOOK_ACTOR,
        entity_type="collection",
        entity_id=collection_id,
        action="delete",
        before=before,
        after=None,
    )
    await session.flush()
    return CollectionInboundResult(CollectionOutcome.deleted, collection_id)
