"""Detection over many products: fetch Shopify's side, then the same decision as a webhook."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.inbound import InboundResult, apply_remote, apply_remote_delete
from product_dashboard.conflict.remote import TruncatedProduct, fetch_product
from product_dashboard.job.context import JobContext
from product_dashboard.models import Product
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import ShopifyError

DETECT_JOB = "conflicts.detect"
FETCH_CONCURRENCY = 4
PAGE = 100


def linked_products() -> Any:
    return select(Product.id, Product.shopify_product_id).where(
        Product.shopify_product_id.is_not(None), Product.deleted_at.is_(None)
    )


SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def committing(sessionmaker: async_sessionmaker[AsyncSession]) -> SessionFactory:
    """A factory of sessions whose block commits on success (as `JobContext.session` does)."""

    @asynccontextmanager
    async def factory() -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session, session.begin():
            yield session

    return factory


async def detect_one(
    sessions: SessionFactory,
    client: ShopifyClient,
    events: ConflictEvents,
    product_id: int,
    shopify_id: str,
) -> InboundResult | str:
    """Check one product; an error message instead of a result when Shopify could not be read."""
    try:
        fetched = await fetch_product(client, shopify_id)
    except (ShopifyError, TruncatedProduct) as exc:
        return f"{type(exc).__name__}: {exc}"
    async with sessions() as session:
        if fetched is None:
            return await apply_remote_delete(session, shopify_id, source="detect", events=events)
        remote, updated_at = fetched
        return await apply_remote(
            session,
            remote,
            remote_updated_at=updated_at,
            source="detect",
            events=events,
            create_missing=False,
        )


async def detect_many(
    sessions: SessionFactory,
    client: ShopifyClient,
    events: ConflictEvents,
    targets: Sequence[tuple[int, str]],
) -> dict[str, Any]:
    """Detect over (product id, Shopify id) pairs; a summary with per-product outcomes."""
    semaphore = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def one(pid: int, gid: str) -> tuple[int, InboundResult | str]:
        async with semaphore:
            return pid, await detect_one(sessions, client, events, pid, gid)

    results = await asyncio.gather(*(one(pid, gid) for pid, gid in targets))
    return summarize(results)


def summarize(results: Sequence[tuple[int, InboundResult | str]]) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    conflicts: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for pid, result in results:
        if isinstance(result, str):
            outcomes["error"] += 1
            errors.append({"product_id": pid, "error": result})
            continue
        outcomes[result.outcome.value] += 1
        if result.conflict_id is not None:
            conflicts.append(
                {"product_id": pid, "conflict_id": result.conflict_id, "fields": result.fields}
            )
    return {
        "checked": len(results),
        "outcomes": dict(outcomes),
        "conflicts": conflicts,
        "errors": errors[:100],
    }


async def run_detect_job(
    ctx: JobContext, client: ShopifyClient, events: ConflictEvents
) -> dict[str, Any]:
    """Job handler body: pages of linked products in id order, checkpointed after each page.

    The tally rides in the checkpoint: a report is only written when a job ends, so after a crash
    the checkpoint is all that says what the earlier pages found.
    """
    ids = ctx.params.get("product_ids")
    checkpoint = ctx.checkpoint or {}
    after = int(checkpoint.get("after_id", 0))
    totals: Counter[str] = Counter(checkpoint.get("outcomes") or ctx.report.get("outcomes") or {})
    conflicts: list[dict[str, Any]] = list(
        checkpoint.get("conflicts") or ctx.report.get("conflicts") or []
    )
    async with ctx.session() as session:
        statement = linked_products()
        if ids is not None:
            statement = statement.where(Product.id.in_(ids))
        total = len((await session.execute(statement)).all())
    await ctx.progress(total=total)
    while True:
        await ctx.check_stop()
        async with ctx.session() as session:
            statement = linked_products().where(Product.id > after)
            if ids is not None:
                statement = statement.where(Product.id.in_(ids))
            page = [
                (row.id, row.shopify_product_id)
                for row in await session.execute(statement.order_by(Product.id).limit(PAGE))
            ]
        if not page:
            break
        summary = await detect_many(ctx.session, client, events, page)
        totals.update(summary["outcomes"])
        conflicts.extend(summary["conflicts"])
        after = page[-1][0]
        conflicts = conflicts[-500:]
        ctx.report = {"outcomes": dict(totals), "conflicts": conflicts}
        errors = summary["outcomes"].get("error", 0)
        await ctx.advance(
            done=len(page) - errors, failed=errors, checkpoint={"after_id": after, **ctx.report}
        )
    return {"outcomes": dict(totals), "conflicts": conflicts}
