"""The push's safety net: its preview written as results, the guard rules it is held by, and
the results of what it did (one row per product, with the shapes either side for an undo)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.config import Settings
from product_dashboard.inventory.guard import stock_impact
from product_dashboard.inventory.push import pending_levels
from product_dashboard.job.typed import TypedJob
from product_dashboard.models import Product, ResultStage
from product_dashboard.safety import results
from product_dashboard.safety.guards import NAMED_PRODUCTS, GuardRules, GuardTally
from product_dashboard.safety.results import ChangeCounts, ProductChange
from product_dashboard.sync.job_types import (
    PreviewReport,
    PushCheckpoint,
    PushJobReport,
    PushParams,
)
from product_dashboard.sync.preview import catalog_size, preview_push, push_change, stored_bases
from product_dashboard.sync.push.engine import inventory_scope
from product_dashboard.sync.push.planner import Planner
from product_dashboard.sync.push.recorder import PushOutcome
from product_dashboard.sync.runtime import SyncRuntime

PushJob = TypedJob[PushParams, PushCheckpoint, PushJobReport]


def settings_rules(settings: Settings) -> GuardRules:
    return GuardRules(
        price_change_percent=settings.guard_price_change_percent,
        price_change_products=settings.guard_price_change_products,
        zero_stock_variants=settings.guard_zero_stock_variants,
        stock_units_change_percent=settings.guard_stock_units_change_percent,
        block_deletions=settings.guard_block_deletions,
        catalog_share_percent=settings.guard_catalog_share_percent,
    )


def rules_for(params: PushParams, settings: Settings) -> GuardRules:
    """A schedule's own rules, else the settings'."""
    return params.guards if params.guards is not None else settings_rules(settings)


async def preview_job(job: PushJob, runtime: SyncRuntime, rules: GuardRules) -> PreviewReport:
    """Write the push's preview as the job's preview results; its counts and the rules it breaks."""
    counts = ChangeCounts()
    tally = GuardTally(rules)
    async with job.session() as session:
        await results.clear(session, job.job_id, ResultStage.preview)

    async def on_page(changes: list[ProductChange]) -> None:
        for change in changes:
            counts.add(change)
            tally.add(change)
        async with job.session() as session:
            await results.write(session, job.job_id, ResultStage.preview, changes)
        await job.progress(done=counts.products)

    looked_at = await preview_push(
        runtime.sessionmaker, job.params.scope(), runtime.dialect, on_page
    )
    async with job.session() as session:
        size = await catalog_size(session)
        if rules.reads_stock:
            await _add_stock(session, job, runtime, tally)
    return PreviewReport(
        counts=counts, looked_at=looked_at, catalog_size=size, held_by=tally.hits(size)
    )


async def _add_stock(
    session: AsyncSession, job: PushJob, runtime: SyncRuntime, tally: GuardTally
) -> None:
    """The quantities this push would send, as the stock rules read them."""
    scope = job.params.scope()
    product_ids = await inventory_scope(session, Planner(scope, runtime.dialect), scope)
    impact = stock_impact(await pending_levels(session, product_ids))
    named = sorted(
        {*impact.product_ids[:NAMED_PRODUCTS], *impact.changed_product_ids[:NAMED_PRODUCTS]}
    )
    handles = await session.execute(select(Product.id, Product.handle).where(Product.id.in_(named)))
    tally.add_stock(impact, {product_id: handle for product_id, handle in handles})


async def record_results(
    session: AsyncSession, job_id: str, outcomes: Sequence[PushOutcome]
) -> None:
    """The outcomes' results rows; called before the recorder moves the stored base."""
    bases = await stored_bases(session, [o.item.product_id for o in outcomes])
    await results.write(
        session,
        job_id,
        ResultStage.done,
        [
            push_change(
                o.item,
                bases.get(o.item.product_id),
                shopify_product_id=o.shopify_product_id,
                shopify_variant_ids=o.variant_ids or None,
                error=None if o.ok else (o.error or "unknown error"),
            )
            for o in outcomes
        ],
    )
