"""A claimed batch's product updates applied together: one transaction, products loaded at once.

Per product only the newest `products/create`/`products/update` of the batch (by Shopify's
`updated_at`, then arrival) is applied, by the same decision as alone
(`conflict.remote_apply.apply_remote`); the earlier ones are finished as `superseded`, in the
same transaction. A product whose events in the batch include anything else (a deletion, an
unreadable body, a test delivery, no `updated_at`) is left to the one-by-one path, in order.
Products unknown here are created together (`CreateMany`, when given: one INSERT per table);
one it cannot create that way is applied alone, which says why. Known products are merged
before new ones are created, except where a new product's handle is one a known product of the
batch holds or takes: those are applied one after another, in arrival order, as alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.apply import load_products
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import (
    InboundResult,
    Outcome,
    apply_remote,
    apply_remotes,
)
from product_dashboard.inbound.handlers import (
    Handled,
    handled_product,
    read_level_event,
    read_product_event,
)
from product_dashboard.inbound.level_batch import LevelEvent
from product_dashboard.inbound.repository import WebhookEventRepository
from product_dashboard.models import AuditSource, Product, WebhookEvent, WebhookState
from product_dashboard.shopify.mapping import SyncProduct

SUPERSEDED = "superseded"
WEBHOOK_ACTOR = Actor(source=AuditSource.webhook)


class CreateMany(Protocol):
    async def __call__(
        self,
        session: AsyncSession,
        products: Sequence[tuple[SyncProduct, datetime | None]],
        actor: Actor,
    ) -> dict[str, int]:
        """Create those of `products` it can, together, in the session's transaction; their
        local ids by Shopify id (nothing written for the others)."""
        ...


@dataclass(frozen=True, slots=True)
class ProductUpdate:
    event: WebhookEvent
    product: SyncProduct
    updated_at: datetime
    superseded: tuple[WebhookEvent, ...] = ()
    """The product's earlier updates in the batch: finished with this one, never applied."""

    def events(self) -> list[WebhookEvent]:
        return sorted((self.event, *self.superseded), key=lambda e: e.id)


@dataclass(slots=True)
class Split:
    newest: list[ProductUpdate] = field(default_factory=list)
    alone: list[WebhookEvent] = field(default_factory=list)
    """For the one-by-one path, in arrival order."""
    levels: list[LevelEvent] = field(default_factory=list)
    """Readable `inventory_levels/update` events, in arrival order (`inbound.level_batch`)."""


def split(claimed: Sequence[WebhookEvent]) -> Split:
    """Which events go together (the newest per product; the level events), which are
    superseded, which alone."""
    groups: dict[str, list[WebhookEvent]] = {}
    levels: list[LevelEvent] = []
    for event in claimed:
        level = read_level_event(event)
        if level is not None:
            levels.append(LevelEvent(event, level))
            continue
        groups.setdefault(event.resource_id or f"event:{event.id}", []).append(event)
    result = Split(levels=sorted(levels, key=lambda level: level.event.id))
    for events in groups.values():
        updates: list[ProductUpdate] = []
        for event in events:
            read = read_product_event(event)
            if read is None or read[1] is None:
                break
            updates.append(ProductUpdate(event, read[0], read[1]))
        if len(updates) < len(events):
            result.alone.extend(events)
            continue
        newest = max(updates, key=lambda u: (u.updated_at, u.event.id))
        earlier = tuple(u.event for u in updates if u is not newest)
        result.newest.append(replace(newest, superseded=earlier))
    result.alone.sort(key=lambda e: e.id)
    return result


async def apply_together(
    session: AsyncSession,
    newest: Sequence[ProductUpdate],
    events: ConflictEvents,
    create_many: CreateMany | None = None,
) -> list[tuple[WebhookEvent, Handled]]:
    """Apply and finish these events in the session's transaction; what each came to."""
    repository = WebhookEventRepository(session)
    reads = [(u.product, u.updated_at) for u in newest]
    loaded = await load_products(session, [p.shopify_product_id or "" for p, _ in reads])
    in_order = _sharing_handles(reads, loaded)
    together = [k for k in range(len(reads)) if k not in in_order]
    results = dict(
        zip(
            together,
            await apply_remotes(
                session,
                [reads[k] for k in together],
                source="webhook",
                events=events,
                create_missing=create_many is None,
                loaded=loaded,
            ),
            strict=True,
        )
    )
    if create_many is not None:
        await _create_unknown(session, reads, results, events, create_many)
    for k in sorted(in_order, key=lambda k: newest[k].event.id):
        product, updated_at = reads[k]
        results[k] = await apply_remote(
            session,
            product,
            remote_updated_at=updated_at,
            source="webhook",
            events=events,
            loaded=loaded.get(product.shopify_product_id or ""),
        )
    done = [(update.event, handled_product(results[k])) for k, update in enumerate(newest)]
    done.extend(
        (event, Handled(WebhookState.ignored, SUPERSEDED, {"outcome": SUPERSEDED}))
        for update in newest
        for event in update.superseded
    )
    await repository.finish_many([(event.id, h.state, h.outcome) for event, h in done])
    return done


def _sharing_handles(
    reads: Sequence[tuple[SyncProduct, datetime | None]], loaded: Mapping[str, Product]
) -> set[int]:
    """Which of `reads` to apply one after another, in arrival order (of the event applied),
    after the others: a product new here whose handle a known one of them holds or takes, that
    known one, and any whose handles meet theirs. The others' known products are merged before
    the new ones are created; only for these could that differ from arrival order (a handle
    freed or taken first)."""
    handles: list[set[str]] = []
    new: set[str] = set()
    held: set[str] = set()
    for product, _ in reads:
        known = loaded.get(product.shopify_product_id or "")
        if known is None:
            handles.append({product.handle})
            new.add(product.handle)
        else:
            handles.append({product.handle, known.handle})
            held.update(handles[-1])
    contested = new & held
    chosen: set[int] = set()
    while joining := {k for k, h in enumerate(handles) if k not in chosen and h & contested}:
        chosen |= joining
        contested.update(*(handles[k] for k in joining))
    return chosen


async def _create_unknown(
    session: AsyncSession,
    reads: Sequence[tuple[SyncProduct, datetime | None]],
    results: dict[int, InboundResult],
    events: ConflictEvents,
    create_many: CreateMany,
) -> None:
    """The products `apply_remotes` found unknown here (`results`: by their index in `reads`),
    created together; each one not created that way applied alone (a handle taken, a tombstone,
    invalid: as alone it says why)."""
    unknown = [
        k
        for k, result in results.items()
        if result.outcome is Outcome.not_linked and result.product_id is None
    ]
    if not unknown:
        return
    created = await create_many(session, [reads[k] for k in unknown], WEBHOOK_ACTOR)
    for k in unknown:
        product, updated_at = reads[k]
        product_id = created.get(product.shopify_product_id or "")
        if product_id is not None:
            results[k] = InboundResult(Outcome.created, product_id)
            continue
        results[k] = await apply_remote(
            session, product, remote_updated_at=updated_at, source="webhook", events=events
        )


async def handles_held(session: AsyncSession, events: Sequence[WebhookEvent]) -> dict[str, str]:
    """The handle each of these events' products holds here, by Shopify id (known ones only)."""
    ids = sorted({e.resource_id for e in events if e.resource_id})
    rows = await session.execute(
        select(Product.shopify_product_id, Product.handle).where(
            Product.shopify_product_id.in_(ids)
        )
    )
    return {shopify_id: handle for shopify_id, handle in rows if shopify_id}


def linked_in_order(
    events: Sequence[WebhookEvent], held: Mapping[str, str]
) -> list[list[WebhookEvent]]:
    """`events` (in arrival order) in groups that may run side by side: a product's events
    together, and with them those of every product whose handle (its payload's, or the one it
    holds here) meets theirs, since one may free or take a handle another needs. Each group keeps
    arrival order."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    keys: list[str] = []
    for event in events:
        key = event.resource_id or f"event:{event.id}"
        keys.append(key)
        handles = {held.get(key)}
        read = read_product_event(event)
        if read is not None:
            handles.add(read[0].handle)
        for handle in handles - {None}:
            parent[root(f"handle:{handle}")] = root(key)
    groups: dict[str, list[WebhookEvent]] = {}
    for event, key in zip(events, keys, strict=True):
        groups.setdefault(root(key), []).append(event)
    return list(groups.values())
