"""Detection over many products: fetch Shopify's side, then the same decision as a webhook."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import Field
from sqlalchemy import select

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import InboundResult, apply_remote, apply_remote_delete
from product_dashboard.db import SessionFactory
from product_dashboard.inbound.remote import TruncatedProduct, fetch_product
from product_dashboard.job.typed import JobModel, JobType, TypedJob
from product_dashboard.models import Product
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import ShopifyError

FETCH_CONCURRENCY = 4
PAGE = 100


def linked_products() -> Any:
    return select(Product.id, Product.shopify_product_id).where(
        Product.shopify_product_id.is_not(None), Product.deleted_at.is_(None)
    )


Payload = dict[str, Any]


class DetectSummary(JobModel):
    """What detection over some products found."""

    checked: int
    outcomes: dict[str, int]
    conflicts: list[Payload]
    errors: list[Payload]


class DetectParams(JobModel):
    product_ids: list[int] | None = None
    """None: every linked product."""


class DetectCheckpoint(JobModel):
    """The tally rides in the checkpoint: a report is only written when a job ends, so after a
    crash the checkpoint is all that says what the earlier pages found."""

    after_id: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict)
    conflicts: list[Payload] = Field(default_factory=list)


class DetectReport(JobModel):
    outcomes: dict[str, int]
    conflicts: list[Payload]


DETECT_JOB = JobType("conflicts.detect", DetectParams, DetectCheckpoint, DetectReport)
DetectJob = TypedJob[DetectParams, DetectCheckpoint, DetectReport]


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
) -> DetectSummary:
    """Detect over (product id, Shopify id) pairs; a summary with per-product outcomes."""
    semaphore = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def one(pid: int, gid: str) -> tuple[int, InboundResult | str]:
        async with semaphore:
            return pid, await detect_one(sessions, client, events, pid, gid)

    results = await asyncio.gather(*(one(pid, gid) for pid, gid in targets))
    return summarize(results)


def summarize(results: Sequence[tuple[int, InboundResult | str]]) -> DetectSummary:
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
    return DetectSummary(
        checked=len(results), outcomes=dict(outcomes), conflicts=conflicts, errors=errors[:100]
    )


async def run_detect_job(
    job: DetectJob, client: ShopifyClient, events: ConflictEvents
) -> DetectReport:
    """Job handler body: pages of linked products in id order, checkpointed after each page."""
    ids = job.params.product_ids
    checkpoint = job.checkpoint or DetectCheckpoint()
    after = checkpoint.after_id
    earlier = job.report
    totals: Counter[str] = Counter(
        checkpoint.outcomes or (earlier.outcomes if earlier is not None else {})
    )
    conflicts = list(checkpoint.conflicts or (earlier.conflicts if earlier is not None else []))
    async with job.session() as session:
        statement = linked_products()
        if ids is not None:
            statement = statement.where(Product.id.in_(ids))
        total = len((await session.execute(statement)).all())
    await job.progress(total=total)
    while True:
        await job.check_stop()
        async with job.session() as session:
            statement = linked_products().where(Product.id > after)
            if ids is not None:
                statement = statement.where(Product.id.in_(ids))
            page = [
                (row.id, row.shopify_product_id)
                for row in await session.execute(statement.order_by(Product.id).limit(PAGE))
            ]
        if not page:
            break
        summary = await detect_many(job.session, client, events, page)
        totals.update(summary.outcomes)
        conflicts.extend(summary.conflicts)
        after = page[-1][0]
        conflicts = conflicts[-500:]
        job.report = DetectReport(outcomes=dict(totals), conflicts=conflicts)
        errors = summary.outcomes.get("error", 0)
        await job.advance(
            done=len(page) - errors,
            failed=errors,
            checkpoint=DetectCheckpoint(after_id=after, outcomes=dict(totals), conflicts=conflicts),
        )
    return DetectReport(outcomes=dict(totals), conflicts=conflicts)
