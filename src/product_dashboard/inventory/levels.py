"""Quantities per variant and location: local edits, what Shopify reports, and the totals.

Each level holds the merchant's intent (`available`) and what Shopify last reported
(`shopify_available`, the base of the next compare-and-set). One rule merges what Shopify says:
the intent keeps its difference from the base, `available' = available + (reported - base)`. With
no local edit pending (available == base) that is Shopify's number; with one pending, the sales
since are taken off the merchant's number, so neither the edit nor a sale is lost, and a remote
quantity change is never a conflict. A report of the number a push sent and has not recorded yet
is that write's own echo, not a change (`is_our_write`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from product_dashboard.inventory.linking import begin_writing_now
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import InventoryLevel, Location, Product, ProductVariant


@dataclass(frozen=True, slots=True)
class QuantityEdit:
    """A variant's single (all-locations) quantity as a local edit changed it."""

    variant_id: int
    before: int | None  # None: a new variant
    after: int


def merged_available(available: int | None, base: int | None, reported: int) -> int:
    """The intent after Shopify reports `reported` where we last saw `base` (module notes)."""
    if available is None:
        return reported
    if base is None:
        return available  # never seen in Shopify: the local number is the intent to push
    return available + (reported - base)


def push_counted_again(sent_from: int | None, sent: int, reported: int) -> int:
    """What to add to a level's intent when reports (ending at `reported`) were merged against
    `sent_from` after Shopify had accepted our write of `sent` from it, before we recorded that
    write: merged against `sent`, as they would have been had the record come first. Against
    `sent_from` they counted the write again (our own echo of 50 over 10 merged as +40)."""
    if sent_from is None:
        return reported - sent  # `merged_available` left the intent alone
    return sent_from - sent


def moved_primary(primary: int | None, elsewhere: int, edit: QuantityEdit) -> int:
    """The primary location's intent after a local edit of the variant's total: moved by as
    much (`primary`: its number now; `elsewhere`: the numbers the variant's other levels
    hold). With no number there (or a new variant) it gets what the total leaves after those
    numbers: the total, which counts an unknown level as nothing, becomes the one typed."""
    if primary is None or edit.before is None:
        return edit.after - elsewhere
    return primary + edit.after - edit.before


LevelKey = tuple[int, int]
"""A level by (variant id, location id)."""

LevelChanges = dict[LevelKey, tuple[int | None, int | None]]
"""What a write of intents changed: (before, after) by level (None: no number known)."""


async def apply_local_edits(session: AsyncSession, edits: Iterable[QuantityEdit]) -> LevelChanges:
    """A local edit of a variant's quantity moves its primary location's intent by as much
    (other locations keep theirs, `moved_primary`); a new variant starts with its quantity
    there. Written as the stock API writes a level (`set_intents`: the totals recomputed from
    the levels, the push sending it); what changed, for the caller's audit entry."""
    changed = [e for e in edits if e.before != e.after]
    if not changed:
        return {}
    location_id = await primary_location_id(session)
    existing = await _intents_of(session, {e.variant_id for e in changed})
    wanted: dict[LevelKey, int | None] = {}
    for edit in changed:
        level = existing.get((edit.variant_id, location_id))
        elsewhere = sum(
            lv.available or 0
            for (variant_id, at), lv in existing.items()
            if variant_id == edit.variant_id and at != location_id
        )
        after = moved_primary(level.available if level else None, elsewhere, edit)
        wanted[(edit.variant_id, location_id)] = after
    return await _set(session, existing, wanted)


async def set_intents(session: AsyncSession, wanted: Mapping[LevelKey, int | None]) -> LevelChanges:
    """Set the merchant's intent (`available`) of these levels (a level not there is made; None:
    no number known), the next push sending each with compare-and-set, and the variants' and
    products' totals recomputed. What changed: (before, after) by level. The one write of a
    level's intent for a local edit (the product's stock API, an import's `available at …`
    cells, an undo putting them back, the bulk editor's stock cells, a product edit's quantity:
    `apply_local_edits`)."""
    if not wanted:
        return {}
    existing = await _intents_of(session, {variant for variant, _ in wanted})
    return await _set(session, existing, wanted)


async def _intents_of(
    session: AsyncSession, variant_ids: Iterable[int]
) -> dict[LevelKey, InventoryLevel]:
    return {
        (level.variant_id, level.location_id): level
        for level in await session.scalars(
            select(InventoryLevel).where(InventoryLevel.variant_id.in_(sorted(variant_ids)))
        )
    }


async def _set(
    session: AsyncSession,
    existing: dict[LevelKey, InventoryLevel],
    wanted: Mapping[LevelKey, int | None],
) -> LevelChanges:
    changed: LevelChanges = {}
    for key, available in wanted.items():
        level = existing.get(key)
        if level is not None and level.available == available:
            continue
        if level is None:
            if available is None:
                continue  # nothing known, and nothing to say
            level = InventoryLevel(variant_id=key[0], location_id=key[1])
            session.add(level)
            existing[key] = level
        changed[key] = (level.available, available)
        level.available = available
    if changed:
        await session.flush()
        await refresh_totals(session, sorted({variant for variant, _ in changed}))
    return changed


def stock_shape(levels: Mapping[LevelKey, int | None]) -> dict[str, int | None]:
    """Levels as an audit entry's `stock` shows them (the stock API's edits, an import's, the
    bulk editor's, a product edit's quantity)."""
    return {
        f"variant {variant} at location {location}": n for (variant, location), n in levels.items()
    }


def audited(changes: LevelChanges) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a write of intents changed as an audit entry's before and after show it."""
    return (
        {"stock": stock_shape({key: old for key, (old, _) in changes.items()})},
        {"stock": stock_shape({key: new for key, (_, new) in changes.items()})},
    )


async def level_shapes(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """Each product's levels as a results shape shows them (`stock`, see `safety.diff`): one
    element a level, `{variant, location, location_id, available}` (the variant by its option
    values, as the shape's `variants` are, so a variant a job removed and its undo made again
    gets its levels back; the location by name, with its id; available None: not known), in
    variant then location order. Products without a level are left out."""
    if not product_ids:
        return {}
    await session.flush()
    rows = await session.execute(
        select(
            ProductVariant.product_id,
            ProductVariant.option1,
            ProductVariant.option2,
            ProductVariant.option3,
            Location.name,
            InventoryLevel.location_id,
            InventoryLevel.available,
        )
        .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
        .join(Location, Location.id == InventoryLevel.location_id)
        .where(ProductVariant.product_id.in_(sorted(set(product_ids))))
        .order_by(ProductVariant.product_id, ProductVariant.position, InventoryLevel.location_id)
    )
    shapes: dict[int, list[dict[str, Any]]] = {}
    for product_id, option1, option2, option3, name, location_id, available in rows:
        values = [v for v in (option1, option2, option3) if v is not None]
        shapes.setdefault(product_id, []).append(
            {
                "variant": values,
                "location": name,
                "location_id": location_id,
                "available": available,
            }
        )
    return shapes


def intents_of(
    shape: Sequence[Mapping[str, Any]], variants: Mapping[tuple[str, ...], int]
) -> dict[LevelKey, int | None]:
    """`level_shapes`' elements back as intents by level, each of a variant in `variants` (by
    option values: the product's variants now)."""
    intents: dict[LevelKey, int | None] = {}
    for element in shape:
        variant_id = variants.get(tuple(element["variant"]))
        if variant_id is not None:
            intents[(variant_id, int(element["location_id"]))] = element.get("available")
    return intents


@dataclass(frozen=True, slots=True)
class Report:
    """Shopify's `available` (and `on_hand`, when read) of a variant at a location, as of `at`
    (Shopify's clock, so later reports can be told from earlier ones; None: now)."""

    variant_id: int
    location_id: int
    available: int
    on_hand: int | None = None
    at: datetime | None = None
    snapshot: bool = False
    """`at` is when Shopify's read began (a bulk export's start), not news of a change: where
    the level holds a later report (a level event merged while the export waited to be
    applied), that report stands and this older number is not merged."""


async def merge_reports(session: AsyncSession, reports: Sequence[Report]) -> None:
    """Merge what Shopify reports (module notes), loading the levels concerned at once."""
    if not reports:
        return
    _merge(session, await _levels_of(session, {r.variant_id for r in reports}), reports)
    await session.flush()


async def _levels_of(
    session: AsyncSession, variant_ids: Iterable[int]
) -> dict[tuple[int, int], InventoryLevel]:
    """Every level of these variants, by (variant id, location id), read to be merged into.

    SQLite: read holding the write lock (`begin_writing_now`, unless this transaction has
    written already). A pysqlite transaction begins at its first write: read before it, a level
    could take a level event's (or another merge's) commit afterwards, and the merge would then
    write numbers merged into the level as it was over that report. PostgreSQL: the callers
    hold the variants' products (FOR UPDATE) before they read their levels, as a level event
    does (`hold_products_of`, `conflict.apply.load_products`)."""
    await begin_writing_now(session)
    return {
        (level.variant_id, level.location_id): level
        for level in await session.scalars(
            select(InventoryLevel).where(InventoryLevel.variant_id.in_(sorted(variant_ids)))
        )
    }


def _merge(
    session: AsyncSession,
    existing: dict[tuple[int, int], InventoryLevel],
    reports: Sequence[Report],
) -> None:
    """The reports merged into `existing` (a level not there is made and added to both)."""
    now = utcnow()
    for report in reports:
        key = (report.variant_id, report.location_id)
        level = existing.get(key)
        if level is None:
            level = InventoryLevel(variant_id=report.variant_id, location_id=report.location_id)
            session.add(level)
            existing[key] = level
        elif _older_snapshot(report, level.shopify_seen_at):
            continue
        if is_our_write(level, report.available):
            _our_write_landed(level)  # its number becomes the base below; the intent stays
        else:
            level.available = merged_available(
                level.available, level.shopify_available, report.available
            )
        level.shopify_available = report.available
        level.shopify_seen_at = newest_seen(level.shopify_seen_at, report.at or now)
        if report.on_hand is not None:
            level.on_hand = report.on_hand


def is_our_write(level: InventoryLevel, reported: int) -> bool:
    """Shopify reports the number a push sent to this level and has not recorded yet (its
    marks, `inventory.push`), while the level's base is still the one that write was sent
    from: our own write, landed (its echo), to be taken as the push's record takes it — the
    number becomes the base, the intent is not moved, and the marks go (nothing to resend).

    Merged as any report it would count the write a second time (`local += sent - from`), and
    only the push's record or resend could take that back: neither comes when the push died
    and Shopify has forgotten its idempotency key by the next one (the resend is refused as
    stale). A foreign change to exactly our number before our write is taken for it too: the
    write is then refused, and both leave the store at the number the merchant asked for.

    With the base moved since the write was sent (a report of another number merged in
    flight) this is not assumed: that report came before our write (which Shopify then
    refused) or after it (then this number is a later change, or our echo delivered after a
    later report); the report is merged as any other, and the push's record or resend, which
    knows whether Shopify applied the write, corrects the intent (`push_counted_again`)."""
    return (
        level.push_key is not None
        and level.push_sent == reported
        and level.push_from == level.shopify_available
    )


def _our_write_landed(level: InventoryLevel) -> None:
    level.push_key = level.push_sent = level.push_from = None


def _older_snapshot(report: Report, seen: datetime | None) -> bool:
    """A snapshot read before the level's last report: its number is older than that one."""
    return report.snapshot and older_than_seen(report.at, seen)


def older_than_seen(at: datetime | None, seen: datetime | None) -> bool:
    """A report as of `at` is older than the level's last one (stamped `seen`): that one
    stands. Undated reports and levels never reported are not ordered."""
    return at is not None and seen is not None and at < as_utc(seen)


async def merge_level_reports(session: AsyncSession, reports: Sequence[Report]) -> list[bool]:
    """Reports of single levels (`inventory_levels/update`), each merged in turn, in the order
    given, as it would be alone: one older than its level's last report (`older_than_seen`,
    a report merged before it included) is not merged. Whether each was merged. The levels are
    loaded at once and written by one flush; the totals are the caller's (`refresh_totals`)."""
    existing = await _levels_of(session, {r.variant_id for r in reports})
    merged: list[bool] = []
    for report in reports:
        level = existing.get((report.variant_id, report.location_id))
        stale = level is not None and older_than_seen(report.at, level.shopify_seen_at)
        if not stale:
            _merge(session, existing, [report])
        merged.append(not stale)
    await _insert_new(session, [level for level in existing.values() if level in session.new])
    await session.flush()
    return merged


_NEW_LEVEL = (
    "variant_id",
    "location_id",
    "available",
    "on_hand",
    "shopify_available",
    "shopify_seen_at",
)


async def _insert_new(session: AsyncSession, levels: Sequence[InventoryLevel]) -> None:
    """Levels made by a merge (never reported there before), written by one INSERT (the ORM's
    flush writes them one by one on SQLite, to learn each id); taken out of the session."""
    if not levels:
        return
    for level in levels:
        session.expunge(level)
    await session.execute(
        insert(InventoryLevel),
        [{name: getattr(level, name) for name in _NEW_LEVEL} for level in levels],
    )


def newest_seen(seen: datetime | None, at: datetime) -> datetime:
    """The newest Shopify time the level's number is known to reflect. A product payload is
    stamped with its product's `updatedAt`, which a sale does not move, so its number can be
    newer than its stamp: a level event already merged keeps its (later) time."""
    return at if seen is None or at > as_utc(seen) else as_utc(seen)


async def hold_products_of(session: AsyncSession, variant_ids: Iterable[int]) -> None:
    """Before levels of these variants are read to be merged outside a product's merge (a
    level event): their products locked, as a product's merge locks them before it reads
    their levels (`conflict.apply.load_products`). Read then, a level is what the last merge
    committed, and no merge writes it before this transaction ends: its own write cannot put
    numbers read before a merge over the merge's. Products first, in id order, as merges take
    them: a level event and a merge never wait for each other's rows in a cycle.

    PostgreSQL: the product rows, FOR UPDATE (one statement). SQLite: the write lock (BEGIN
    IMMEDIATE, unless this transaction has written already); reads before a pysqlite
    transaction's first write run outside it, and a merge could commit between them."""
    products = select(ProductVariant.product_id).where(ProductVariant.id.in_(sorted(variant_ids)))
    await _hold(session, products)


async def hold_products(session: AsyncSession, product_ids: Iterable[int]) -> None:
    """`hold_products_of`, by the products' ids: what a merge decides from their levels (such as
    whether a quantity Shopify reports moved) read holding them."""
    await _hold(session, sorted(product_ids))


async def _hold(session: AsyncSession, product_ids: Select[int] | list[int]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        await begin_writing_now(session)
        return
    await session.execute(
        select(Product.id).where(Product.id.in_(product_ids)).order_by(Product.id).with_for_update()
    )


class ReportedTotal(NamedTuple):
    """A variant's quantity summed over its locations, as a product payload or query reports
    it, as of `at`: its product's `updatedAt` (Shopify's clock, as `inventory_levels/update`
    events are stamped, so the two can be ordered; None: now)."""

    variant: ProductVariant
    quantity: int
    at: datetime | None
    snapshot: bool = False
    """As `Report.snapshot`: `at` is when a bulk export's read began."""


class VariantTotal(NamedTuple):
    """`ReportedTotal` by the variant's id (its row not loaded)."""

    variant_id: int
    quantity: int
    at: datetime | None
    snapshot: bool = False


async def merge_reported_totals(session: AsyncSession, reported: Sequence[ReportedTotal]) -> None:
    """Shopify reports each variant's quantity summed over its locations (product payloads and
    queries): merged (`merge_variant_totals`), and each variant's quantity becomes the sum of its
    levels. Nothing is flushed: the levels and quantities are written with the session's next
    flush, with the rest of their rows."""
    totals = await merge_variant_totals(
        session,
        [VariantTotal(t.variant.id, t.quantity, t.at, t.snapshot) for t in reported],
    )
    for reported_total in reported:
        total = totals.get(reported_total.variant.id)
        if total is not None:
            reported_total.variant.inventory_quantity = total


async def merge_variant_totals(
    session: AsyncSession, reported: Sequence[VariantTotal]
) -> dict[int, int]:
    """Each variant's reported total merged at the primary location while that is the only one
    Shopify reported for it (with several, per-location reports — `inventory_levels/update`,
    level reads — carry it); a total equal to the level's last report moves only its stamp. The
    sum of each variant's levels' intents, by variant id. Nothing is flushed."""
    if not reported:
        return {}
    location_id = await primary_location_id(session)
    levels = await _levels_of(session, {total.variant_id for total in reported})
    elsewhere = {
        variant_id
        for (variant_id, location), level in levels.items()
        if location != location_id and level.shopify_available is not None
    }
    _merge(
        session,
        levels,
        [
            Report(
                total.variant_id, location_id, total.quantity, at=total.at, snapshot=total.snapshot
            )
            for total in reported
            if total.variant_id not in elsewhere
        ],
    )
    totals: dict[int, int] = {}
    for (variant_id, _), level in levels.items():
        totals[variant_id] = totals.get(variant_id, 0) + (level.available or 0)
    return totals


_LEVELS = cast(Table, InventoryLevel.__table__)
_RESTAMP = (
    update(_LEVELS)
    .where(_LEVELS.c.id == bindparam("b_id"))
    .values(shopify_seen_at=bindparam("b_at"))
)


async def merge_unmoved_totals(session: AsyncSession, reported: Sequence[VariantTotal]) -> None:
    """`merge_variant_totals` of totals read equal to their variant's last report (the caller
    read it holding the products): merged, each number stays as it is and only its stamp moves,
    so the stamps are written by one statement, the levels not loaded. A level not as that
    read said (none at the primary location, another number) or with a write in flight (its
    marks: `is_our_write`) goes through `merge_variant_totals`. Nothing is flushed."""
    if not reported:
        return
    location_id = await primary_location_id(session)
    await begin_writing_now(session)
    rows = await session.execute(
        select(
            _LEVELS.c.id,
            _LEVELS.c.variant_id,
            _LEVELS.c.location_id,
            _LEVELS.c.shopify_available,
            _LEVELS.c.shopify_seen_at,
            _LEVELS.c.push_key,
        ).where(_LEVELS.c.variant_id.in_(sorted({total.variant_id for total in reported})))
    )
    primary: dict[int, Any] = {}
    elsewhere: set[int] = set()
    for row in rows:
        if row.location_id == location_id:
            primary[row.variant_id] = row
        elif row.shopify_available is not None:
            elsewhere.add(row.variant_id)
    now = utcnow()
    stamps: list[dict[str, Any]] = []
    to_merge: list[VariantTotal] = []
    for total in reported:
        level = primary.get(total.variant_id)
        if total.variant_id in elsewhere:
            continue  # not merged there (`merge_variant_totals`)
        if level is None or level.shopify_available != total.quantity or level.push_key:
            to_merge.append(total)
            continue
        report = Report(
            total.variant_id, location_id, total.quantity, at=total.at, snapshot=total.snapshot
        )
        if _older_snapshot(report, level.shopify_seen_at):
            continue
        seen = newest_seen(level.shopify_seen_at, report.at or now)
        if level.shopify_seen_at is None or seen != as_utc(level.shopify_seen_at):
            stamps.append({"b_id": level.id, "b_at": seen})
    if stamps:
        await session.execute(_RESTAMP, stamps)
    await merge_variant_totals(session, to_merge)


class LastReport(NamedTuple):
    """What Shopify last reported of a linked variant here."""

    total: int | None
    """Its `available` summed over its locations (None: never reported)."""
    item: str | None
    """Its inventory item (None: not recorded yet)."""
    variant_id: int


async def last_reported_totals(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[str, LastReport]:
    """What Shopify last reported of each linked variant of these products, by Shopify variant
    id: what a product read's quantity is compared with to tell a change (a sale moves no
    product's `updatedAt`), and its item with the read's to tell one not recorded."""
    if not product_ids:
        return {}
    rows = await session.execute(
        select(
            ProductVariant.shopify_variant_id,
            func.sum(InventoryLevel.shopify_available),
            ProductVariant.shopify_inventory_item_id,
            ProductVariant.id,
        )
        .outerjoin(InventoryLevel, InventoryLevel.variant_id == ProductVariant.id)
        .where(
            ProductVariant.product_id.in_(list(product_ids)),
            ProductVariant.shopify_variant_id.is_not(None),
        )
        .group_by(
            ProductVariant.id,
            ProductVariant.shopify_variant_id,
            ProductVariant.shopify_inventory_item_id,
        )
    )
    return {
        str(gid): LastReport(None if total is None else int(total), item, variant_id)
        for gid, total, item, variant_id in rows
    }


async def refresh_totals(session: AsyncSession, variant_ids: Sequence[int]) -> None:
    """Recompute the denormalised totals (variant quantity, product total) from the levels.

    Written by SQL, from the levels as flushed (the session's changes are flushed first, so
    none is left pending on a row written here); the variants and products the session holds
    are given the written values as their stored ones, so a later step of the transaction reads
    them (an expired attribute would need IO on access) and a later flush does not write an
    older number over them."""
    if not variant_ids:
        return
    await session.flush()
    ids = list(variant_ids)
    total = (
        select(func.coalesce(func.sum(InventoryLevel.available), 0))
        .where(InventoryLevel.variant_id == ProductVariant.id)
        .scalar_subquery()
    )
    variants = await session.execute(
        update(ProductVariant)
        .where(ProductVariant.id.in_(ids))
        .values(inventory_quantity=total)
        .returning(ProductVariant.id, ProductVariant.inventory_quantity)
        .execution_options(synchronize_session=False)
    )
    _in_step(session, ProductVariant, "inventory_quantity", variants)
    products = select(ProductVariant.product_id).where(ProductVariant.id.in_(ids))
    product_total = (
        select(func.coalesce(func.sum(ProductVariant.inventory_quantity), 0))
        .where(ProductVariant.product_id == Product.id)
        .scalar_subquery()
    )
    written = await session.execute(
        update(Product)
        .where(Product.id.in_(products))
        .values(total_inventory=product_total, updated_at=Product.updated_at)
        .returning(Product.id, Product.total_inventory)
        .execution_options(synchronize_session=False)
    )
    _in_step(session, Product, "total_inventory", written)


def _in_step(
    session: AsyncSession,
    entity: type[ProductVariant] | type[Product],
    name: str,
    written: Iterable[tuple[int, int]],
) -> None:
    """`written` (row id, value of `name`) set as stored on the objects the session holds."""
    for row_id, value in written:
        held = session.identity_map.get(identity_key(entity, row_id))
        if held is not None:
            set_committed_value(held, name, value)


__all__ = [
    "LastReport",
    "LevelChanges",
    "LevelKey",
    "QuantityEdit",
    "Report",
    "ReportedTotal",
    "VariantTotal",
    "apply_local_edits",
    "audited",
    "hold_products",
    "hold_products_of",
    "intents_of",
    "last_reported_totals",
    "level_shapes",
    "merge_level_reports",
    "merge_reported_totals",
    "merge_reports",
    "merge_unmoved_totals",
    "merge_variant_totals",
    "merged_available",
    "moved_primary",
    "newest_seen",
    "older_than_seen",
    "push_counted_again",
    "refresh_totals",
    "set_intents",
    "stock_shape",
]
