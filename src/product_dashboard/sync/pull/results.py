"""What a pull changed here, one results row per product: its local shape before and after, in
the transaction that changed it (an undo puts the before-values back where nothing moved since).

A row's action says what the job's counters say of the product: `created`, `updated` (Shopify's
changes merged here: counted as done), or `learned` — nothing here replaced, only fields not
known here before read from Shopify (its defaults on a first pull of a product made here): the
job counts it with the unchanged products (skipped), and its report's `learned` says how many of
them there were; an undo has nothing of it to take back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.whole_shape import with_kept_columns
from product_dashboard.models import Product, ProductVariant, ResultAction, ResultStage
from product_dashboard.safety import results
from product_dashboard.safety.results import ProductChange
from product_dashboard.sync.push.items import load_push_items


async def local_shape(session: AsyncSession, product_id: int) -> dict[str, Any] | None:
    """The product as a push would send it (None: gone); what the diff and the undo compare."""
    return (await local_shapes(session, [product_id])).get(product_id)


async def local_shapes(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """`local_shape` of each of these products (those not gone), read at once, with the CSV
    columns they keep (`conflict.whole_shape`)."""
    await session.flush()  # read with Core: the session's pending changes first
    items = [item for item in await load_push_items(session, product_ids) if not item.deleted]
    if not items:
        return {}
    ids = [item.product_id for item in items]
    # One query for both (a product's columns repeated on each of its variants' rows).
    kept = select(
        Product.id, Product.extra_columns, ProductVariant.id, ProductVariant.extra_columns
    ).outerjoin(ProductVariant, ProductVariant.product_id == Product.id)
    product_columns: dict[int, Any] = {}
    variant_columns: dict[int | None, Any] = {}
    for product_id, columns, variant_id, of_variant in await session.execute(
        kept.where(Product.id.in_(ids))
    ):
        product_columns[product_id] = columns
        variant_columns[variant_id] = of_variant
    return {
        item.product_id: with_kept_columns(
            orjson.loads(item.snapshot_json),
            product_columns.get(item.product_id),
            [variant_columns.get(row_id) for row_id in item.variant_row_ids],
        )
        for item in items
    }


class PullResults:
    """Writes a pull job's results rows."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id

    async def before(self, session: AsyncSession, product_id: int | None) -> dict[str, Any] | None:
        return None if product_id is None else await local_shape(session, product_id)

    async def record(
        self,
        session: AsyncSession,
        product_id: int,
        before: dict[str, Any] | None,
        shopify_id: str | None,
        *,
        learned: bool = False,
    ) -> None:
        """`learned`: nothing here replaced (an echo that only learned fields)."""
        after = await local_shape(session, product_id)
        change = _change(product_id, before, after, shopify_id, learned=learned)
        if change.changes:
            await results.write(session, self.job_id, ResultStage.done, [change])

    async def befores(
        self, session: AsyncSession, product_ids: Sequence[int]
    ) -> dict[int, dict[str, Any]]:
        """`before` of each of these, at once."""
        return await local_shapes(session, product_ids)

    async def record_many(
        self,
        session: AsyncSession,
        applied: Sequence[tuple[int, dict[str, Any], str | None, bool]],
    ) -> None:
        """`record` of each (id, before, Shopify id, learned), the after-shapes read at once."""
        shapes = await local_shapes(session, [product_id for product_id, _, _, _ in applied])
        changes = [
            _change(product_id, before, shapes.get(product_id), shopify_id, learned=learned)
            for product_id, before, shopify_id, learned in applied
        ]
        changed = [c for c in changes if c.changes]
        if changed:
            await results.write(session, self.job_id, ResultStage.done, changed)

    async def record_created(
        self, session: AsyncSession, created: Sequence[tuple[int, str | None]]
    ) -> None:
        """`record` of products created here (nothing before), at once: (id, Shopify id)."""
        shapes = await local_shapes(session, [product_id for product_id, _ in created])
        changes = [
            _change(product_id, None, shapes.get(product_id), shopify_id)
            for product_id, shopify_id in created
        ]
        await results.write(
            session, self.job_id, ResultStage.done, [c for c in changes if c.changes]
        )


def _change(
    product_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    shopify_id: str | None,
    *,
    learned: bool = False,
) -> ProductChange:
    change = ProductChange.between(
        before,
        after,
        product_id=product_id,
        handle=(after or before or {}).get("handle"),
        shopify_product_id=shopify_id,
    )
    if learned and change.action == ResultAction.updated:
        change.action = ResultAction.learned
    return change
