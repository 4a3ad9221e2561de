"""Detection: read Shopify's side of linked products, then the same decision as a webhook.

The `conflicts.detect` job (one at a time per store) reads every linked product, or a scope of
more than `by_id_up_to` (CONFLICT_DETECT_BY_ID_LIMIT), through a bulk export split over the
shop's bulk slots (`bulk_read`); a small scope is read product by product (a bulk operation's
start-up would cost more). Every
product that could not be checked is in the report with its reason. A linked product missing
from a completed export was deleted in Shopify (the delete webhook's decision), unless it was
linked after the export started, or more are missing than `DELETION_GUARD` allows (then each is
reported, nothing deleted: a full pull reviews deletions).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import select

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import InboundResult, apply_remote, apply_remote_delete
from product_dashboard.db import SessionFactory
from product_dashboard.inbound.decide import (
    KEPT,
    NO_RECORDER,
    CheckRecorder,
    Tally,
    decide_deleted,
    decide_together,
)
from product_dashboard.inbound.remote import NotCompared, fetch_product
from product_dashboard.job.typed import JobModel, JobType, TypedJob
from product_dashboard.kit.time import as_utc
from product_dashboard.models import Product
from product_dashboard.shopify.bulk import MAX_BULK_OPERATIONS
from product_dashboard.shopify.bulk_read import BulkReader, Remote
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import ShopifyError
from product_dashboard.shopify.export import ExportPart, plan_export

FETCH_CONCURRENCY = 4
PAGE = 100
# More linked products missing from an export than this is not read as deletions.
DELETION_GUARD_MIN = 10
DELETION_GUARD_SHARE = 0.1


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
    crash the checkpoint is all that says what the earlier pages (or export parts) found."""

    after_id: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict)
    conflicts: list[Payload] = Field(default_factory=list)
    errors: list[Payload] = Field(default_factory=list)
    parts: list[ExportPart] | None = None
    """The bulk export's parts, when Shopify is read in bulk."""
    variant_parts: list[ExportPart] | None = None
    """The variants export's parts, run before `parts` (their metafields and images)."""


class DetectReport(JobModel):
    outcomes: dict[str, int]
    conflicts: list[Payload]
    errors: list[Payload] = Field(default_factory=list)
    """Every product that could not be checked, with the reason (the first `decide.KEPT`)."""
    checked: int = 0
    failed: int = 0
    source: str = "pages"
    bulk: list[Payload] | None = None

    @classmethod
    def of(cls, tally: Tally, source: str, bulk: list[Payload] | None = None) -> DetectReport:
        return cls(
            outcomes=dict(tally.outcomes),
            conflicts=tally.conflicts,
            errors=tally.errors,
            checked=tally.checked,
            failed=tally.failed,
            source=source,
            bulk=bulk,
        )


DETECT_JOB = JobType("conflicts.detect", DetectParams, DetectCheckpoint, DetectReport)
DetectJob = TypedJob[DetectParams, DetectCheckpoint, DetectReport]


async def detect_one(
    sessions: SessionFactory,
    client: ShopifyClient,
    events: ConflictEvents,
    product_id: int,
    shopify_id: str,
    recorder: CheckRecorder = NO_RECORDER,
) -> InboundResult | str:
    """Check one product; an error message instead of a result when Shopify could not be read."""
    try:
        fetched = await fetch_product(client, shopify_id)
    except (ShopifyError, NotCompared) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        await recorder.failed(sessions, product_id, shopify_id, reason)
        return reason
    async with sessions() as session:
        if fetched is None:
            result = await apply_remote_delete(session, shopify_id, source="detect", events=events)
        else:
            remote, updated_at = fetched
            result = await apply_remote(
                session,
                remote,
                remote_updated_at=updated_at,
                source="detect",
                events=events,
                create_missing=False,
            )
        await recorder.record(session, product_id, shopify_id, result)
        return result


async def detect_many(
    sessions: SessionFactory,
    client: ShopifyClient,
    events: ConflictEvents,
    targets: Sequence[tuple[int, str]],
    recorder: CheckRecorder = NO_RECORDER,
) -> DetectSummary:
    """Detect over (product id, Shopify id) pairs; a summary with per-product outcomes."""
    semaphore = asyncio.Semaphore(FETCH_CONCURRENCY)
    await recorder.read_before(sessions, [pid for pid, _ in targets])

    async def one(pid: int, gid: str) -> tuple[int, InboundResult | str]:
        async with semaphore:
            return pid, await detect_one(sessions, client, events, pid, gid, recorder)

    results = await asyncio.gather(*(one(pid, gid) for pid, gid in targets))
    return summarize(results, dict(targets))


def summarize(
    results: Sequence[tuple[int, InboundResult | str]], shopify_ids: dict[int, str]
) -> DetectSummary:
    outcomes: Counter[str] = Counter()
    conflicts: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for pid, result in results:
        if isinstance(result, str):
            outcomes["error"] += 1
            errors.append(
                {"product_id": pid, "shopify_id": shopify_ids.get(pid, ""), "error": result}
            )
            continue
        outcomes[result.outcome.value] += 1
        if result.conflict_id is not None:
            conflicts.append(
                {"product_id": pid, "conflict_id": result.conflict_id, "fields": result.fields}
            )
    return DetectSummary(
        checked=len(results), outcomes=dict(outcomes), conflicts=conflicts, errors=errors[:KEPT]
    )


async def run_detect_job(
    job: DetectJob,
    client: ShopifyClient,
    events: ConflictEvents,
    *,
    by_id_up_to: int,
    slots: int = MAX_BULK_OPERATIONS,
    recorder: CheckRecorder = NO_RECORDER,
) -> DetectReport:
    """Job handler body: in bulk for a whole catalog, page by page for a small scope."""
    ids = job.params.product_ids
    checkpoint = job.checkpoint or DetectCheckpoint()
    earlier = job.report
    tally = Tally(
        outcomes=checkpoint.outcomes or (earlier.outcomes if earlier is not None else {}),
        conflicts=checkpoint.conflicts or (earlier.conflicts if earlier is not None else []),
        errors=checkpoint.errors or (earlier.errors if earlier is not None else []),
    )
    by_pages = checkpoint.parts is None and (
        checkpoint.after_id > 0 or (ids is not None and len(ids) <= by_id_up_to)
    )
    if by_pages:
        await _detect_by_pages(job, client, events, checkpoint.after_id, tally, recorder)
        return DetectReport.of(tally, "pages")
    return await _detect_in_bulk(job, client, events, checkpoint, tally, slots, recorder)


async def _detect_by_pages(
    job: DetectJob,
    client: ShopifyClient,
    events: ConflictEvents,
    after: int,
    tally: Tally,
    recorder: CheckRecorder,
) -> None:
    """Pages of linked products in id order, each read by id, checkpointed after each page."""
    ids = job.params.product_ids
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
        summary = await detect_many(job.session, client, events, page, recorder)
        for outcome, count in summary.outcomes.items():
            if outcome != "error":
                tally.outcomes[outcome] = tally.outcomes.get(outcome, 0) + count
        tally.conflicts = (tally.conflicts + summary.conflicts)[-KEPT:]
        for error in summary.errors:
            tally.fail(error["product_id"], error.get("shopify_id", ""), error["error"])
        after = page[-1][0]
        job.report = DetectReport.of(tally, "pages")
        errors = summary.outcomes.get("error", 0)
        await job.advance(
            done=len(page) - errors,
            failed=errors,
            checkpoint=DetectCheckpoint(
                after_id=after,
                outcomes=dict(tally.outcomes),
                conflicts=tally.conflicts,
                errors=tally.errors,
            ),
        )


@dataclass(slots=True)
class _Linked:
    product_id: int
    synced_at: datetime | None


async def _detect_in_bulk(
    job: DetectJob,
    client: ShopifyClient,
    events: ConflictEvents,
    checkpoint: DetectCheckpoint,
    tally: Tally,
    slots: int,
    recorder: CheckRecorder,
) -> DetectReport:
    ids = job.params.product_ids
    async with job.session() as session:
        statement = select(Product.id, Product.shopify_product_id, Product.synced_at).where(
            Product.shopify_product_id.is_not(None), Product.deleted_at.is_(None)
        )
        if ids is not None:
            statement = statement.where(Product.id.in_(ids))
        linked = {
            row.shopify_product_id: _Linked(row.id, row.synced_at)
            for row in await session.execute(statement)
        }
    await job.progress(total=len(linked))
    parts = checkpoint.parts or (await plan_export(client, None, slots))[0]
    variant_parts = (
        checkpoint.variant_parts or (await plan_export(client, None, slots, rows="variants"))[0]
    )

    def saved_checkpoint() -> DetectCheckpoint:
        return DetectCheckpoint(
            outcomes=dict(tally.outcomes),
            conflicts=tally.conflicts,
            errors=tally.errors,
            parts=[part.model_copy() for part in parts],
            variant_parts=[part.model_copy() for part in variant_parts],
        )

    async def on_saved(_: Sequence[ExportPart]) -> None:
        await job.save_checkpoint(saved_checkpoint())
        await job.flush()

    async def handle(chunk: list[Remote]) -> None:
        before_done, before_failed = tally.checked - tally.failed, tally.failed
        targets = {r.shopify_id: linked[r.shopify_id] for r in chunk if r.shopify_id in linked}
        await recorder.read_before(job.session, [t.product_id for t in targets.values()])
        # Not linked here (or outside the scope): not detection's business.
        await decide_together(
            job.session,
            [(r, targets[r.shopify_id].product_id) for r in chunk if r.shopify_id in targets],
            source="detect",
            events=events,
            tally=tally,
            job_id=job.job_id,
            recorder=recorder,
        )
        job.report = DetectReport.of(tally, "bulk")
        await job.advance(
            done=tally.checked - tally.failed - before_done,
            failed=tally.failed - before_failed,
        )

    seen: set[str] = set()
    reader = BulkReader(client, should_stop=lambda: job.should_stop, on_saved=on_saved)
    exported = await reader.run(parts, handle, seen, variant_parts=variant_parts)
    if exported is None:
        await job.check_stop()
        return DetectReport.of(tally, "bulk")
    bulk = [
        {"id": o.id, "status": o.status, "root_object_count": o.root_object_count}
        for o in exported.operations
    ]
    missing = [
        (shopify_id, target)
        for shopify_id, target in linked.items()
        if shopify_id not in seen
        and (target.synced_at is None or as_utc(target.synced_at) < exported.linked_before)
    ]
    done, failed = tally.checked - tally.failed, tally.failed
    if len(missing) > max(DELETION_GUARD_MIN, DELETION_GUARD_SHARE * len(linked)):
        reason = (
            f"not in Shopify's export, like {len(missing)} of {len(linked)} linked products: "
            "too many to delete from a check (run a full pull to review deletions)"
        )
        for shopify_id, target in missing:
            tally.fail(target.product_id, shopify_id, reason)
            await recorder.failed(job.session, target.product_id, shopify_id, reason)
    else:
        await recorder.read_before(job.session, [target.product_id for _, target in missing])
        for shopify_id, target in missing:
            await decide_deleted(
                job.session,
                shopify_id,
                product_id=target.product_id,
                events=events,
                tally=tally,
                recorder=recorder,
            )
    await job.advance(done=tally.checked - tally.failed - done, failed=tally.failed - failed)
    return DetectReport.of(tally, "bulk", bulk)
