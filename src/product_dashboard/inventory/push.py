"""Push quantities: `inventorySetQuantities`, compare-and-set against what we last saw.

Only levels whose intent differs from what Shopify last reported are sent, each with
`changeFromQuantity` = that report, so a sale since our last read is never overwritten: Shopify
refuses the request (`CHANGE_FROM_QUANTITY_STALE`), we re-read those items, the merge rule of
`inventory.levels` carries the merchant's intent over as a delta, and the write is sent again.
Where we never saw Shopify's quantity we read it first. Each request carries an idempotency key
derived from exactly what it sends (items, bases, quantities, when each base was seen), so a
request resent after a crash or a timeout is applied once, and a new write gets a new key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import QueryableAttribute

from product_dashboard.inventory.levels import (
    hold_products_of,
    newest_seen,
    push_counted_again,
    refresh_totals,
)
from product_dashboard.inventory.read import (
    CONCURRENCY,
    known_locations,
    merge_read,
    read_reports,
    resolve_items,
)
from product_dashboard.inventory.remote_locations import refresh_locations
from product_dashboard.kit.time import as_utc, parse_time, utcnow
from product_dashboard.models import InventoryLevel, Location, Product, ProductVariant
from product_dashboard.shopify import documents
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import user_errors_in

MAX_QUANTITIES = 250  # Shopify's input array limit
STALE = "CHANGE_FROM_QUANTITY_STALE"
ATTEMPTS = 4
REASON = "correction"


@dataclass(frozen=True, slots=True)
class PendingLevel:
    level_id: int
    variant_id: int
    product_id: int
    item_gid: str
    location_gid: str
    available: int
    base: int | None
    seen_at: datetime | None
    tracked: bool | None = None


@dataclass(slots=True)
class InventoryPushReport:
    sent: int = 0
    requests: int = 0
    api_calls: int = 0
    cost_points: int = 0
    stale_retries: int = 0
    read_first: int = 0
    failed: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    failed_products: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "requests": self.requests,
            "api_calls": self.api_calls,
            "cost_points": self.cost_points,
            "stale_retries": self.stale_retries,
            "read_first": self.read_first,
            "failed": self.failed,
        }

    def add(self, other: InventoryPushReport) -> InventoryPushReport:
        """Add `other` (another run of the same push): counts, errors, failed products."""
        self.sent += other.sent
        self.requests += other.requests
        self.api_calls += other.api_calls
        self.cost_points += other.cost_points
        self.stale_retries += other.stale_retries
        self.read_first += other.read_first
        self.failed += other.failed
        self.errors.extend(other.errors)
        self.failed_products |= other.failed_products
        return self


def idempotency_key(batch: Sequence[PendingLevel]) -> str:
    """The same write, resent, has the same key; any other write has another."""
    parts = [
        [
            p.item_gid,
            p.location_gid,
            p.base,
            p.available,
            p.seen_at.isoformat() if p.seen_at else None,
        ]
        for p in sorted(batch, key=lambda p: (p.item_gid, p.location_gid))
    ]
    digest = hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()
    return f"inventory-set-{digest[:40]}"


def set_quantities_input(batch: Sequence[PendingLevel]) -> dict[str, object]:
    return {
        "name": "available",
        "reason": REASON,
        "quantities": [
            {
                "inventoryItemId": p.item_gid,
                "locationId": p.location_gid,
                "quantity": p.available,
                "changeFromQuantity": p.base,
            }
            for p in batch
        ],
    }


def _levels_with_places(*more: QueryableAttribute[Any]) -> Select[tuple[Any, ...]]:
    """Levels with what a request names them by (level, variant, product, item, location),
    then `more`."""
    return (
        select(
            InventoryLevel.id,
            InventoryLevel.variant_id,
            ProductVariant.product_id,
            ProductVariant.shopify_inventory_item_id,
            Location.shopify_location_id,
            *more,
        )
        .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
        .join(Location, Location.id == InventoryLevel.location_id)
    )


async def pending_levels(
    session: AsyncSession, product_ids: Sequence[int] | None = None
) -> list[PendingLevel]:
    """What a push would send: levels of linked variants whose intent differs from what Shopify
    last reported (or where that is unknown), in level order."""
    query = (
        _levels_with_places(
            InventoryLevel.available,
            InventoryLevel.shopify_available,
            InventoryLevel.shopify_seen_at,
            ProductVariant.inventory_tracked,
        )
        .join(Product, Product.id == ProductVariant.product_id)
        .where(
            Product.deleted_at.is_(None),
            ProductVariant.shopify_inventory_item_id.is_not(None),
            Location.shopify_location_id.is_not(None),
            Location.is_active.is_(True),
            InventoryLevel.available.is_not(None),
            (InventoryLevel.shopify_available.is_(None))
            | (InventoryLevel.available != InventoryLevel.shopify_available),
        )
        .order_by(InventoryLevel.id)
    )
    if product_ids is not None:
        query = query.where(ProductVariant.product_id.in_(list(product_ids)))
    return [
        PendingLevel(
            level_id=level_id,
            variant_id=variant_id,
            product_id=product_id,
            item_gid=str(item_gid),
            location_gid=str(location_gid),
            available=int(available or 0),
            base=base,
            seen_at=seen_at,
            tracked=tracked,
        )
        for (
            level_id,
            variant_id,
            product_id,
            item_gid,
            location_gid,
            available,
            base,
            seen_at,
            tracked,
        ) in (await session.execute(query)).all()
    ]


_LEVELS = cast(Table, InventoryLevel.__table__)
# A write recorded as the level's base, its marks cleared in the same statement.
_RECORD_SENT = (
    update(_LEVELS)
    .where(_LEVELS.c.id == bindparam("b_id"))
    .values(
        shopify_available=bindparam("b_quantity"),
        shopify_seen_at=bindparam("b_at"),
        push_key=None,
        push_sent=None,
        push_from=None,
    )
)
_IN_FLIGHT = (
    update(_LEVELS)
    .where(_LEVELS.c.id == bindparam("b_id"))
    .values(
        push_key=bindparam("b_key"),
        push_sent=bindparam("b_sent"),
        push_from=bindparam("b_from"),
    )
)
# A batch's marks cleared once its answer is known: only where they are still its own (a resent
# batch recorded by another run, or a newer write, keeps what that left).
_LANDED = (
    update(_LEVELS)
    .where(_LEVELS.c.id == bindparam("b_id"), _LEVELS.c.push_key == bindparam("b_key"))
    .values(push_key=None, push_sent=None, push_from=None)
)
_TAKE_OFF = (
    update(_LEVELS)
    .where(_LEVELS.c.id == bindparam("b_id"))
    .values(available=_LEVELS.c.available + bindparam("b_delta"))
)


class _Recorded:
    """A batch Shopify accepted, as written to its levels. Where the base is still the one the
    batch was sent from, as of before our write, the sent number becomes the base. Where a
    report moved it (merged between Shopify's answer and this record, against the old base:
    Shopify took our compare-and-set, so it held the old base until our write and the report
    is newer), or reported that same old number as of after our write (Shopify's time: another
    change set it back), the report stands as the base and the intent is moved as if it had
    been merged after the record (`push_counted_again`): our own echo is not counted twice, nor
    a sale since, and a later report is not replaced by our older number."""

    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []
        self.moved: list[dict[str, object]] = []
        self.moved_variants: list[int] = []

    def add(
        self, level: PendingLevel, base: int | None, seen: datetime | None, at: datetime
    ) -> None:
        if base == level.base and not _reported_after(level, seen, at):
            self.sent.append(
                {
                    "b_id": level.level_id,
                    "b_quantity": level.available,
                    "b_at": newest_seen(seen, at),
                }
            )
        elif base is not None:
            delta = push_counted_again(level.base, level.available, base)
            if delta:
                self.moved.append({"b_id": level.level_id, "b_delta": delta})
                self.moved_variants.append(level.variant_id)


def _reported_after(level: PendingLevel, seen: datetime | None, at: datetime) -> bool:
    """The level's last report, merged since the batch was sent (its stamp moved; a resent
    batch's stamp then is not known), is dated after our write at `at`. Both conditions: a
    stamp the level had before the send may be on our clock (a report without Shopify's time
    is stamped when merged), and ours may be ahead of Shopify's."""
    if seen is None or as_utc(seen) <= at:
        return False
    return level.seen_at is None or as_utc(seen) != as_utc(level.seen_at)


def _in_flight(batch: Sequence[PendingLevel], key: str) -> list[dict[str, object]]:
    return [
        {"b_id": p.level_id, "b_key": key, "b_sent": p.available, "b_from": p.base} for p in batch
    ]


class InventoryPusher:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], client: ShopifyClient
    ) -> None:
        self.sessionmaker = sessionmaker
        self.client = client

    async def run(self, product_ids: Sequence[int] | None = None) -> InventoryPushReport:
        """Send every pending quantity (of these products, or of all linked products)."""
        report = InventoryPushReport()
        before = self.client.stats.as_dict()
        await self.learn_locations()
        async with self.sessionmaker() as session:
            await resolve_items(session, self.client, product_ids)
            await session.commit()
        await self._resend_in_flight()
        read_already: set[int] = set()
        for _ in range(ATTEMPTS):
            async with self.sessionmaker() as session:
                pending = await pending_levels(session, product_ids)
            # Still unknown once read: Shopify does not stock the item there yet, so there is
            # nothing to compare with; it is sent with changeFromQuantity null and stocks it.
            unknown = [p for p in pending if p.base is None and p.level_id not in read_already]
            if unknown:
                report.read_first += len(unknown)
                read_already.update(p.level_id for p in unknown)
                await self._read(unknown)
                continue
            if not pending:
                break
            stale = await self._send_all(pending, report)
            if not stale:
                break
            report.stale_retries += 1
            await self._read(stale)
        async with self.sessionmaker() as session:
            await self._mark_failed(session, report)
            await session.commit()
        after = self.client.stats.as_dict()
        report.api_calls = int(after.get("requests") or 0) - int(before.get("requests") or 0)
        report.cost_points = int(after.get("cost_actual") or 0) - int(
            before.get("cost_actual") or 0
        )
        return report

    async def learn_locations(self) -> None:
        """Pull the store's locations when one here has no Shopify id yet, or none has."""
        async with self.sessionmaker() as session:
            if await self._needs_locations(session):
                await refresh_locations(session, self.client)
                await session.commit()

    async def _needs_locations(self, session: AsyncSession) -> bool:
        unknown = await session.scalar(
            select(Location.id).where(Location.shopify_location_id.is_(None)).limit(1)
        )
        known = await session.scalar(
            select(Location.id).where(Location.shopify_location_id.is_not(None)).limit(1)
        )
        return unknown is not None or known is None

    async def _read(self, levels: Sequence[PendingLevel]) -> None:
        """Re-read these items' quantities and merge them (levels.merge_reports)."""
        async with self.sessionmaker() as session:
            locations = await known_locations(session)
        items = [(p.variant_id, p.item_gid) for p in levels]
        reports = await read_reports(self.client, items, locations)
        async with self.sessionmaker() as session:
            await merge_read(session, reports)
            await session.commit()

    async def _send_all(
        self, pending: Sequence[PendingLevel], report: InventoryPushReport
    ) -> list[PendingLevel]:
        """Send in requests of up to 250, a few at a time; the levels refused as stale."""
        gate = asyncio.Semaphore(CONCURRENCY)

        async def send(batch: Sequence[PendingLevel]) -> list[PendingLevel]:
            async with gate:
                return await self._send(batch, report)

        batches = [pending[i : i + MAX_QUANTITIES] for i in range(0, len(pending), MAX_QUANTITIES)]
        return [level for part in await asyncio.gather(*map(send, batches)) for level in part]

    async def _resend_in_flight(self) -> None:
        """Writes a push sent and never recorded (it died in between), each resent with its
        idempotency key: Shopify answers what it answered then without applying anything
        again (or applies it now), and the answer is recorded as any push's
        (`_Recorded`: reports merged since against the old base are moved onto ours)."""
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    _levels_with_places(
                        InventoryLevel.push_sent, InventoryLevel.push_from, InventoryLevel.push_key
                    )
                    .where(InventoryLevel.push_key.is_not(None))
                    .order_by(InventoryLevel.id)
                )
            ).all()
        requests: dict[str, list[PendingLevel]] = {}
        for level_id, variant_id, product_id, item, location, sent, sent_from, key in rows:
            requests.setdefault(str(key), []).append(
                PendingLevel(
                    level_id=level_id,
                    variant_id=variant_id,
                    product_id=product_id,
                    item_gid=str(item),
                    location_gid=str(location),
                    available=int(sent or 0),
                    base=sent_from,
                    seen_at=None,
                )
            )
        for key, batch in requests.items():
            # Failed: Shopify holds what it held, and the next steps read and send as for any
            # level; its errors are not this push's. Refused as stale: Shopify evaluated the
            # write anew (it has forgotten the key, or the request never left) and holds
            # another number than its base, perhaps our write's own (applied before the process
            # died): read with the marks still on, so the merge takes our number for our write
            # (`levels.is_our_write`) rather than a change to add again, then let go.
            stale = await self._send(batch, InventoryPushReport(), key, resent=True)
            if stale:
                await self._read(stale)
                await self._landed(stale, key)

    async def _send(
        self,
        batch: Sequence[PendingLevel],
        report: InventoryPushReport,
        key: str | None = None,
        *,
        resent: bool = False,
    ) -> list[PendingLevel]:
        """Send one request (kept on its levels until its answer is recorded); returns the
        levels to re-read when it was refused as stale (`resent`: a kept batch sent again,
        whose marks its caller clears once they are read)."""
        key = key or idempotency_key(batch)
        if not resent:
            await self._keep_in_flight(batch, key)
        response = await self.client.execute(
            documents.INVENTORY_SET_QUANTITIES,
            {"input": set_quantities_input(batch), "key": key},
        )
        report.requests += 1
        errors = user_errors_in(response.data.get("inventorySetQuantities"))
        stale = any(error.code == STALE for error in errors)
        if errors and not (stale and resent):
            await self._landed(batch, key)
        if stale:
            return list(batch)  # the whole request is refused: read them all again
        if errors:
            report.failed += len(batch)
            report.failed_products.update(p.product_id for p in batch)
            report.errors.extend(
                {"code": e.code, "message": e.message, "field": list(e.field or ())} for e in errors
            )
            return []
        group = (response.data.get("inventorySetQuantities") or {}).get(
            "inventoryAdjustmentGroup"
        ) or {}
        await self._record(batch, key, parse_time(group.get("createdAt")) or utcnow())
        report.sent += len(batch)
        return []

    async def _record(self, batch: Sequence[PendingLevel], key: str, at: datetime) -> None:
        """Shopify holds the batch's numbers as of `at`: recorded as the levels' bases
        (`_Recorded`), their products held first as a level event's merge holds them
        (`hold_products_of`), so no report is merged between this read and its write. Once per
        write: a level no longer marked with `key` was recorded already (a second record would
        take the write for a report and move the intent), or its echo was (a report of the
        sent number merged meanwhile: `levels.is_our_write`)."""
        async with self.sessionmaker() as session:
            await hold_products_of(session, [p.variant_id for p in batch])
            current = {
                level_id: (base, seen)
                for level_id, base, seen in await session.execute(
                    select(
                        _LEVELS.c.id, _LEVELS.c.shopify_available, _LEVELS.c.shopify_seen_at
                    ).where(
                        _LEVELS.c.id.in_(sorted(p.level_id for p in batch)),
                        _LEVELS.c.push_key == key,
                    )
                )
            }
            recorded = _Recorded()
            for level in batch:
                if level.level_id in current:
                    recorded.add(level, *current[level.level_id], at)
            if recorded.sent:
                await session.execute(_RECORD_SENT, recorded.sent)
            if recorded.moved:
                await session.execute(_TAKE_OFF, recorded.moved)
                await refresh_totals(session, recorded.moved_variants)
            written = {row["b_id"] for row in recorded.sent}
            others = [{"b_id": i, "b_key": key} for i in sorted(current) if i not in written]
            if others:
                await session.execute(_LANDED, others)
            await session.commit()

    async def _keep_in_flight(self, batch: Sequence[PendingLevel], key: str) -> None:
        """The batch marked as sent with this key, until its answer is known."""
        async with self.sessionmaker() as session:
            await session.execute(_IN_FLIGHT, _in_flight(batch, key))
            await session.commit()

    async def _landed(self, batch: Sequence[PendingLevel], key: str) -> None:
        """Shopify refused the batch: its marks cleared (where still its own)."""
        async with self.sessionmaker() as session:
            await session.execute(_LANDED, [{"b_id": p.level_id, "b_key": key} for p in batch])
            await session.commit()

    async def _mark_failed(self, session: AsyncSession, report: InventoryPushReport) -> None:
        """A product whose quantities Shopify refused is not left looking synced."""
        if not report.failed_products:
            return
        reasons = sorted({str(error.get("message")) for error in report.errors})
        message = ("Inventory not pushed: " + "; ".join(reasons))[:500]
        await session.execute(
            update(Product)
            .where(Product.id.in_(sorted(report.failed_products)))
            .values(sync_error=message)
        )
