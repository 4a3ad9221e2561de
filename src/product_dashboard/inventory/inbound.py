"""`inventory_levels/update`: Shopify's available quantity of one item at one location.

An event for an item not linked here yet — most often a product Shopify just created, whose
level event came before its `products/create` or before the pull that creates it — is kept as
it is (`not_linked`, in the webhook events) and merged when a create links the item
(`apply_held_updates`): then it is as newer or older as its time says than the create's read, as
if it had arrived just after it. One for an item whose variant is stored but not linked to it
(a catalog from before items were recorded, or an item that changed) is merged when a later
read records the item (`apply_held_for_recorded_items`). One for a location not known yet (a
store's first pull learns its locations after its first chunk) is merged when a refresh learns
the location (`apply_held_at_locations`). Merged once: its outcome then says what it did. An
event and a create (or a read recording items, or a refresh) processed at the same moment see
each other's commits (`linking`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, Table, bindparam, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.inventory.levels import (
    Report,
    hold_products_of,
    merge_level_reports,
    refresh_totals,
)
from product_dashboard.inventory.linking import hold_linking, look_again, look_again_to_mark
from product_dashboard.inventory.read import known_locations
from product_dashboard.kit.time import parse_time, utcnow
from product_dashboard.models import (
    Location,
    Product,
    ProductVariant,
    WebhookEvent,
    WebhookState,
)
from product_dashboard.models.webhook_event import HELD

TOPIC = "inventory_levels/update"
RECEIPT_SKEW = timedelta(minutes=5)
"""How far our clock's receipt of an event may be before Shopify's time in it: a held event
received longer than this before a create's read began is older than that read (stale)."""


class LevelOutcome(StrEnum):
    merged = "merged"
    stale = "stale"  # older than what we already read there
    not_linked = HELD  # an item or location we do not know


class LevelUpdate(BaseModel):
    """The REST-style body (ids as large integers)."""

    inventory_item_id: int
    location_id: int
    available: int | None = None
    updated_at: str | None = None

    @property
    def item_gid(self) -> str:
        return f"gid://shopify/InventoryItem/{self.inventory_item_id}"

    @property
    def location_gid(self) -> str:
        return f"gid://shopify/Location/{self.location_id}"

    @property
    def at(self) -> datetime | None:
        return parse_time(self.updated_at)


@dataclass(frozen=True, slots=True)
class Linked:
    """The variant and the location a level event is about, both known here; the variant's
    product by its Shopify id."""

    variant_id: int
    location_id: int
    product_gid: str | None


async def apply_level_update(session: AsyncSession, payload: dict[str, Any]) -> LevelOutcome:
    """One event: `apply_level_updates` of it alone; when its item or location is not found, a
    second look once linking in flight has committed (`linking`)."""
    update = LevelUpdate.model_validate(payload)
    outcome = (await apply_level_updates(session, [update])).outcomes[0]
    if outcome is not None:
        return outcome
    # A create or a refresh of the locations in flight may be linking it: look again once
    # it has committed; one that has not begun yet will find this event's mark.
    linked = await look_again(session, lambda: _linked(session, update))
    if linked is None:
        return LevelOutcome.not_linked
    return (await merge_levels(session, [(update, linked)]))[0]


@dataclass(slots=True)
class Applied:
    outcomes: list[LevelOutcome | None]
    """What each event came to; None: left to `apply_level_update`."""
    not_found: list[int]
    """Which of those left were so for their item or location not found (the others, for
    their product: `leave`)."""


async def apply_level_updates(
    session: AsyncSession,
    updates: Sequence[LevelUpdate],
    *,
    leave: Collection[str] = (),
) -> Applied:
    """These events' levels and variants looked up at once, and those found merged in the
    order given (`merge_levels`). Left to `apply_level_update`, which looks again: an event
    whose item or location is not found, or whose variant's product is among `leave` (by
    Shopify id)."""
    outcomes: list[LevelOutcome | None] = [
        None if u.available is not None else LevelOutcome.not_linked  # nothing said about it
        for u in updates
    ]
    saying = [k for k, u in enumerate(updates) if u.available is not None]
    found = await _linked_all(session, [updates[k] for k in saying])
    to_merge = [
        (k, linked)
        for k, linked in zip(saying, found, strict=True)
        if linked is not None and linked.product_gid not in leave
    ]
    merged = await merge_levels(session, [(updates[k], linked) for k, linked in to_merge])
    for (k, _), outcome in zip(to_merge, merged, strict=True):
        outcomes[k] = outcome
    not_found = [k for k, linked in zip(saying, found, strict=True) if linked is None]
    return Applied(outcomes, not_found)


async def mark_unlinked(
    session: AsyncSession, updates: Sequence[LevelUpdate]
) -> list[LevelOutcome | None]:
    """The second look of `apply_level_update` for events `apply_level_updates` found nothing
    for, all at once (`linking.look_again_to_mark`: this transaction may write their marks and
    nothing else): `not_linked` when still not found; None when found now (to be applied by
    `apply_level_update`, in a transaction of its own)."""
    found = await look_again_to_mark(session, lambda: _linked_all(session, updates))
    return [LevelOutcome.not_linked if linked is None else None for linked in found]


async def _linked_all(session: AsyncSession, updates: Sequence[LevelUpdate]) -> list[Linked | None]:
    """What each event is about, when its item and location are both known here: one look-up
    of the variants (by item) and one of the locations for all."""
    if not updates:
        return []
    variants = {
        item: (variant_id, product_gid)
        for variant_id, item, product_gid in await session.execute(
            variants_of_items(sorted({u.item_gid for u in updates}))
        )
    }
    locations = {
        gid: location_id
        for gid, location_id in await session.execute(
            select(Location.shopify_location_id, Location.id).where(
                Location.shopify_location_id.in_(sorted({u.location_gid for u in updates}))
            )
        )
    }
    found: list[Linked | None] = []
    for one in updates:
        variant = variants.get(one.item_gid)
        location_id = locations.get(one.location_gid)
        if variant is None or location_id is None:
            found.append(None)
        else:
            found.append(Linked(variant[0], location_id, variant[1]))
    return found


async def _linked(session: AsyncSession, update: LevelUpdate) -> Linked | None:
    return (await _linked_all(session, [update]))[0]


def variants_of_items(item_gids: Sequence[str]) -> Select[int, str | None, str | None]:
    """The variants holding these inventory items (its index: a seek an item), each with its
    item and its product's Shopify id; an item held twice, by its first variant (the last row)."""
    return (
        select(
            ProductVariant.id,
            ProductVariant.shopify_inventory_item_id,
            Product.shopify_product_id,
        )
        .join(Product, Product.id == ProductVariant.product_id)
        .where(ProductVariant.shopify_inventory_item_id.in_(item_gids))
        .order_by(ProductVariant.id.desc())
    )


async def merge_levels(
    session: AsyncSession, updates: Sequence[tuple[LevelUpdate, Linked]]
) -> list[LevelOutcome]:
    """Each of `updates` (each saying `available`) merged into its variant's level there, in
    the order given, unless that level holds a later report (`levels.merge_level_reports`);
    their products held first (`hold_products_of`), the totals of the variants merged
    recomputed once."""
    if not updates:
        return []
    await hold_products_of(session, {linked.variant_id for _, linked in updates})
    merged = await merge_level_reports(
        session,
        [
            Report(linked.variant_id, linked.location_id, _available(update), at=update.at)
            for update, linked in updates
        ],
    )
    await refresh_totals(
        session,
        sorted({linked.variant_id for (_, linked), m in zip(updates, merged, strict=True) if m}),
    )
    return [LevelOutcome.merged if m else LevelOutcome.stale for m in merged]


def _available(update: LevelUpdate) -> int:
    assert update.available is not None
    return update.available


@dataclass(frozen=True, slots=True)
class _Held:
    event_id: int
    level: LevelUpdate


async def apply_held_updates(
    session: AsyncSession, variants: Mapping[str, int], read_at: datetime
) -> None:
    """Level events held as `not_linked` for these just-linked inventory items (item gid ->
    variant id) of new variants, merged in Shopify's order, each as `apply_level_update` would
    now: one older than the level's stamp (the create's read, from `read_at` on) is stale, one
    without Shopify's time is taken as newer. Events received too long before `read_at` to be
    newer than it are not looked at."""
    await _apply_held_for_items(session, variants, read_at, undated=read_at)


async def apply_held_for_recorded_items(
    session: AsyncSession, variants: Mapping[str, int], read_at: datetime
) -> None:
    """As `apply_held_updates`, for inventory items a read of Shopify's records anew for
    variants already stored here (a catalog from before items were recorded, or an item that
    changed), once that read's own quantities are merged: one older than a level's stamp is
    stale; one without Shopify's time cannot be ordered against what was read before and is
    left as it is."""
    await _apply_held_for_items(session, variants, read_at, undated=None)


async def _apply_held_for_items(
    session: AsyncSession,
    variants: Mapping[str, int],
    read_at: datetime,
    *,
    undated: datetime | None,
) -> None:
    """The held events for these items received since the read began, merged (`undated`: as
    of when an event without Shopify's time is taken; None: such an event is left)."""
    if not variants:
        return
    await hold_linking(session)
    held = [
        one
        for one in await _held(session, received_since=read_at - RECEIPT_SKEW)
        if one.level.item_gid in variants and (undated is not None or one.level.at is not None)
    ]
    if held:
        await _merge_held(
            session, held, variants, await known_locations(session), undated or read_at
        )


async def apply_held_at_locations(session: AsyncSession, locations: Mapping[str, int]) -> None:
    """Level events held as `not_linked` at these just-learnt locations (location gid -> row
    id) for items linked here, merged in Shopify's order as `apply_level_update` would now
    (one older than a level's stamp is stale). An event without Shopify's time cannot be
    ordered against what was read since: it is left as it is. Rare (a store's first pull, a
    new location), so every held event is looked at."""
    if not locations:
        return
    await hold_linking(session)
    held = [
        one
        for one in await _held(session)
        if one.level.location_gid in locations and one.level.at is not None
    ]
    if not held:
        return
    variants = {
        str(item): variant_id
        for item, variant_id in await session.execute(
            select(ProductVariant.shopify_inventory_item_id, ProductVariant.id).where(
                ProductVariant.shopify_inventory_item_id.in_(
                    sorted({one.level.item_gid for one in held})
                )
            )
        )
    }
    linked = [one for one in held if one.level.item_gid in variants]
    if linked:
        await _merge_held(session, linked, variants, locations, utcnow())


def held_level_events(received_since: datetime | None = None) -> Select[int, str]:
    """The level events kept as `not_linked` (received since `received_since`), read by their
    partial index. Its condition is written out, not bound: a generic plan of the prepared
    statement (PostgreSQL, after five runs) cannot tell that a parameter meets it."""
    statement = select(WebhookEvent.id, WebhookEvent.body).where(
        WebhookEvent.topic == TOPIC,
        WebhookEvent.outcome == literal(HELD, literal_execute=True),
        WebhookEvent.state == WebhookState.processed.value,
    )
    if received_since is not None:
        statement = statement.where(WebhookEvent.received_at >= received_since)
    return statement


async def _held(session: AsyncSession, *, received_since: datetime | None = None) -> list[_Held]:
    """The level events kept as `not_linked` that say an available quantity."""
    statement = held_level_events(received_since)
    held: list[_Held] = []
    for event_id, body in await session.execute(statement):
        try:
            level = LevelUpdate.model_validate_json(body)
        except ValidationError:
            continue
        if level.available is not None:
            held.append(_Held(event_id, level))
    return held


async def _merge_held(
    session: AsyncSession,
    held: Sequence[_Held],
    variants: Mapping[str, int],
    locations: Mapping[str, int],
    undated: datetime,
) -> None:
    """Each of `held` whose item and location are among these merged (or found stale), in
    Shopify's order (an event without its time as of `undated`), its outcome recorded."""
    in_order = [
        (one, Linked(variants[one.level.item_gid], locations[one.level.location_gid], None))
        for one in sorted(held, key=lambda one: (one.level.at or undated, one.event_id))
        if one.level.item_gid in variants and one.level.location_gid in locations
    ]
    outcomes = await merge_levels(session, [(one.level, linked) for one, linked in in_order])
    if outcomes:
        await session.execute(
            _RECORD_OUTCOME,
            [
                {"b_id": one.event_id, "b_outcome": outcome.value}
                for (one, _), outcome in zip(in_order, outcomes, strict=True)
            ],
        )


_EVENTS = cast(Table, WebhookEvent.__table__)
_RECORD_OUTCOME = (
    update(_EVENTS).where(_EVENTS.c.id == bindparam("b_id")).values(outcome=bindparam("b_outcome"))
)
