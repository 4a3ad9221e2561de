"""Write what a push achieved back to the catalog, a batch of products per transaction.

`synced_version` is the version that was *pushed*: an edit made while the request was in flight
leaves the product pending rather than marking an unsent change as synced. `updated_at` is left
alone (a sync is not an edit). Each product's row and its variants' ids change in one transaction,
so a stop or a crash never leaves a product half-recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, bindparam, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.models import Product, ProductVariant
from product_dashboard.sync.snapshot import PushItem

MAX_ERROR_LENGTH = 2000


@dataclass(slots=True)
class PushOutcome:
    """The result of one product's operation."""

    item: PushItem
    ok: bool
    shopify_product_id: str | None = None
    variant_ids: list[str] = field(default_factory=list)
    error: str | None = None


_PRODUCT: Table = Product.__table__  # type: ignore[assignment]
_VARIANT: Table = ProductVariant.__table__  # type: ignore[assignment]


def _synced_values(item: PushItem, shopify_id: str | None, at: datetime) -> dict[str, object]:
    return {
        "b_id": item.product_id,
        "b_version": item.version,
        "b_hash": item.content_hash,
        "b_snapshot": item.snapshot,
        "b_at": at,
        "b_shopify_id": shopify_id,
    }


# Never move synced_version backwards (a later push of the same product may have landed first).
_NOT_NEWER = or_(
    _PRODUCT.c.synced_version.is_(None), _PRODUCT.c.synced_version <= bindparam("b_version")
)
_MARK_SYNCED = (
    update(_PRODUCT)
    .where(_PRODUCT.c.id == bindparam("b_id"), _NOT_NEWER)
    .values(
        synced_version=bindparam("b_version"),
        synced_hash=bindparam("b_hash"),
        synced_snapshot=bindparam("b_snapshot"),
        synced_at=bindparam("b_at"),
        sync_error=None,
        shopify_product_id=bindparam("b_shopify_id"),
        updated_at=_PRODUCT.c.updated_at,
    )
)
_MARK_FAILED = (
    update(_PRODUCT)
    .where(_PRODUCT.c.id == bindparam("b_id"))
    .values(sync_error=bindparam("b_error"), updated_at=_PRODUCT.c.updated_at)
)
_SET_VARIANT_ID = (
    update(_VARIANT)
    .where(_VARIANT.c.id == bindparam("b_id"))
    .values(shopify_variant_id=bindparam("b_variant"), updated_at=_VARIANT.c.updated_at)
)


async def record(session: AsyncSession, outcomes: Sequence[PushOutcome], at: datetime) -> None:
    """Record a batch of outcomes (pushes, deletions, failures) in the caller's transaction."""
    synced = [o for o in outcomes if o.ok and not o.item.deleted]
    deleted = [o.item.product_id for o in outcomes if o.ok and o.item.deleted]
    failed = [o for o in outcomes if not o.ok]
    if synced:
        try:
            async with session.begin_nested():
                await _record_synced(session, synced, at)
        except IntegrityError:
            # Two local products resolved to one Shopify product (e.g. a handle taken over):
            # record them one by one so only the clashing one fails.
            for outcome in synced:
                try:
                    async with session.begin_nested():
                        await _record_synced(session, [outcome], at)
                except IntegrityError:
                    outcome.ok = False
                    outcome.error = (
                        f"Shopify product {outcome.shopify_product_id} is already linked to "
                        "another local product (same handle?)."
                    )
                    failed.append(outcome)
    if deleted:
        # Tombstones whose deletion reached Shopify are done: remove them (variants cascade).
        await session.execute(delete(_PRODUCT).where(_PRODUCT.c.id.in_(deleted)))
    if failed:
        await session.execute(
            _MARK_FAILED,
            [
                {
                    "b_id": o.item.product_id,
                    "b_error": (o.error or "unknown error")[:MAX_ERROR_LENGTH],
                }
                for o in failed
            ],
        )


async def _record_synced(
    session: AsyncSession, outcomes: Sequence[PushOutcome], at: datetime
) -> None:
    await session.execute(
        _MARK_SYNCED,
        [_synced_values(o.item, o.shopify_product_id, at) for o in outcomes],
    )
    variant_rows = [
        {"b_id": row_id, "b_variant": variant_id}
        for o in outcomes
        for row_id, variant_id in zip(o.item.variant_row_ids, o.variant_ids, strict=False)
    ]
    if variant_rows:
        await session.execute(_SET_VARIANT_ID, variant_rows)


async def mark_unchanged(session: AsyncSession, items: Sequence[PushItem], at: datetime) -> None:
    """Products whose content hash equals the last synced one: synced at their current version."""
    if not items:
        return
    await session.execute(
        update(_PRODUCT)
        .where(_PRODUCT.c.id == bindparam("b_id"), _NOT_NEWER)
        .values(
            synced_version=bindparam("b_version"),
            sync_error=None,
            updated_at=_PRODUCT.c.updated_at,
        ),
        [{"b_id": i.product_id, "b_version": i.version} for i in items],
    )
