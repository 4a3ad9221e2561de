"""Products we know by Shopify id that a complete export no longer contains: deleted in Shopify.

Choice: such a product is deleted here too when it has no local edit since its last sync (an
audited delete, as a `products/delete` webhook does, its entry keeping the product whole: the
pull's undo, or `recovery`, makes it again); one edited here becomes an open conflict
("deleted in Shopify, edited here") for a person to decide. Nothing is deleted silently: every
product is listed in the job report. Two guards keep a wrong or empty export from emptying the
catalog: only products linked *before* the export started count (a push may create products
meanwhile), and when more than `GUARD_SHARE` of the linked catalog seems gone, nothing is
applied (report only) unless the pull was started with `force_deletions`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import Outcome, apply_remote_delete
from product_dashboard.db import SessionFactory
from product_dashboard.exceptions import AppError
from product_dashboard.models import Product
from product_dashboard.sync.pull.results import PullResults

GUARD_SHARE = 0.2
GUARD_MIN = 10
PAGE = 1000
REPORT_LIMIT = 200


@dataclass(slots=True)
class Missing:
    product_id: int
    shopify_id: str
    title: str


@dataclass(slots=True)
class DeletionReport:
    missing: int = 0
    deleted: int = 0
    conflicts: int = 0
    failed: int = 0
    applied: bool = False
    guarded: bool = False
    products: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "missing": self.missing,
            "deleted": self.deleted,
            "conflicts": self.conflicts,
            "failed": self.failed,
            "applied": self.applied,
            "guarded": self.guarded,
            "products": self.products[:REPORT_LIMIT],
        }


def _linked_before(linked_before: datetime) -> Any:
    return Product.shopify_product_id.is_not(None) & or_(
        Product.synced_at.is_(None), Product.synced_at < linked_before
    )


async def iter_missing(
    session: AsyncSession, seen: Collection[str], linked_before: datetime
) -> AsyncIterator[Missing]:
    """Linked products (tombstones included) absent from `seen`, in id order."""
    after = 0
    while True:
        rows = (
            await session.execute(
                select(Product.id, Product.shopify_product_id, Product.title)
                .where(_linked_before(linked_before), Product.id > after)
                .order_by(Product.id)
                .limit(PAGE)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            if row.shopify_product_id not in seen:
                yield Missing(row.id, row.shopify_product_id, row.title)
        after = rows[-1].id


async def handle_remote_deletions(
    sessions: SessionFactory,
    seen: Collection[str],
    linked_before: datetime,
    events: ConflictEvents,
    *,
    apply: bool,
    force: bool,
    recorder: PullResults | None = None,
) -> DeletionReport:
    """`recorder`: the pull job's results (a row per product deleted here, its shape before)."""
    report = DeletionReport()
    async with sessions() as session:
        linked = int(
            await session.scalar(
                select(func.count()).select_from(Product).where(_linked_before(linked_before))
            )
            or 0
        )
        missing = [m async for m in iter_missing(session, seen, linked_before)]
    report.missing = len(missing)
    report.guarded = apply and not force and len(missing) > max(GUARD_MIN, GUARD_SHARE * linked)
    report.applied = apply and not report.guarded and bool(missing)
    for item in missing:
        entry: dict[str, Any] = {
            "product_id": item.product_id,
            "shopify_id": item.shopify_id,
            "title": item.title,
            "outcome": "reported",
        }
        if report.applied:
            entry["outcome"] = await _apply_one(sessions, item, events, report, recorder)
        if len(report.products) < REPORT_LIMIT:
            report.products.append(entry)
    return report


async def _apply_one(
    sessions: SessionFactory,
    item: Missing,
    events: ConflictEvents,
    report: DeletionReport,
    recorder: PullResults | None,
) -> str:
    try:
        async with sessions() as session:
            before = await recorder.before(session, item.product_id) if recorder else None
            result = await apply_remote_delete(
                session, item.shopify_id, source="pull", events=events
            )
            if recorder is not None and result.outcome == Outcome.deleted:
                await recorder.record(session, item.product_id, before, item.shopify_id)
    except (AppError, SQLAlchemyError) as exc:
        report.failed += 1
        return f"error: {exc}"
    if result.outcome == Outcome.deleted:
        report.deleted += 1
    elif result.outcome.value == "conflict":
        report.conflicts += 1
    return result.outcome.value
