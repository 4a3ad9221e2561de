"""The `sync.undo` job: take back what a push, a pull or an import did, where nothing changed
since.

It reads the job's results (each product's shape before and after), puts the local catalog's
fields back to their before-values where they are still what the job left (three-way, see
`safety.restore`). After a push's undo it queues a push of the restored products (guarded like any
push), so Shopify gets them back too; a pull's or an import's undo restores the catalog here
(the next push sends it). What it cannot restore it reports with the reason. With `dry_run` it
only previews. `take_back` is that restoring, also run by an abort-mode import job on the chunks
it committed when a later one fails (it deletes the products it created, too).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.conflict.apply import apply_to_local, load_product
from product_dashboard.conflict.shapes import local_product
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.conflict.threeway import variant_key
from product_dashboard.conflict.whole_shape import put_back_kept_columns
from product_dashboard.exceptions import Conflict, NotFound, Unprocessable
from product_dashboard.inventory.levels import level_shapes
from product_dashboard.job import JobRunner
from product_dashboard.job import service as job_service
from product_dashboard.job.typed import JobModel, JobType, NoCheckpoint, TypedJob
from product_dashboard.kit.weights import whole_grams
from product_dashboard.models import AuditSource, JobResult, JobState, ResultAction
from product_dashboard.models import ResultStage as Stage
from product_dashboard.product import service as product_service
from product_dashboard.product.stock import put_back_levels
from product_dashboard.recovery.service import delete_entry_of, restore_deleted
from product_dashboard.safety import results
from product_dashboard.safety.restore import NotRestored, restore
from product_dashboard.safety.results import ChangeCounts, ProductChange
from product_dashboard.shopify.mapping import SyncProduct
from product_dashboard.sync.job_types import PULL_JOB, PUSH_JOB, STORE_SYNC, PushParams
from product_dashboard.sync.pull.results import local_shapes
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope

BATCH = 200
MAX_REPORTED = 500
UNDOABLE = (PUSH_JOB.name, PULL_JOB.name, "product.import")
"""Jobs that record their changes with the shapes either side (the import's by its type's name:
the importer builds on sync's shapes, so sync does not import it)."""
_WHY = {
    ResultAction.created: "created by the job: delete it to take it back",
    ResultAction.deleted: "deleted by the job: re-create it from the job's results file",
    ResultAction.failed: "the job did not change it",
    ResultAction.learned: "the job replaced nothing here (it only read fields not known before)",
}
# What an undo leaves alone in Shopify, and what a pull took out of the catalog for good, said
# as such: the merchant acts on it by hand.
_WHY_BY_JOB = {
    (PUSH_JOB.name, ResultAction.created): (
        "created by the job in Shopify: an undo never deletes a product there; delete it in "
        "Shopify (or delete it here and push) if it should go"
    ),
    (PUSH_JOB.name, ResultAction.deleted): (
        "deleted by the job in Shopify: an undo never re-creates a product there; re-create it "
        "from the job's results file (its shape before)"
    ),
    (PULL_JOB.name, ResultAction.created): (
        "created by the job here (Shopify has it): delete it here to take it back; the next "
        "push then deletes it in Shopify too"
    ),
    (PULL_JOB.name, ResultAction.deleted): (
        "deleted by the job here, because Shopify deleted it, before deleted products were "
        "kept whole: re-create it from the job's results file (its shape before)"
    ),
}


CHANGED_SINCE_CREATED = "created by the job and changed since: left as it is"


def why_not_restored(job_type: str, action: ResultAction) -> str:
    return _WHY_BY_JOB.get((job_type, action)) or _WHY.get(action, "nothing recorded")


class UndoParams(JobModel):
    job_id: str
    dry_run: bool = False


class Unrestored(JobModel):
    store_defaults = True

    product_id: int | None
    path: str
    reason: str
    now: Any = None
    job_left: Any = None


class UndoReport(JobModel):
    store_defaults = True

    undone_job_id: str
    dry_run: bool
    counts: ChangeCounts
    restored_products: int
    not_restored_count: int
    not_restored: list[Unrestored]
    """The first MAX_REPORTED places not restored, with why."""
    push_job_id: str | None = None


UNDO_JOB = JobType("sync.undo", UndoParams, NoCheckpoint, UndoReport)
UndoJob = TypedJob[UndoParams, NoCheckpoint, UndoReport]


async def queue_undo(
    runner: JobRunner,
    session: AsyncSession,
    job_id: str,
    *,
    dry_run: bool,
    created_by_id: int | None,
) -> str:
    """Queue the undo (or its preview) of a finished push; 409/422 when it cannot be undone."""
    target = await job_service.get(session, job_id)
    if target.type not in UNDOABLE:
        raise Unprocessable(
            f"Job {job_id} is a {target.type}; undo takes back pushes, pulls and imports."
        )
    if (target.params or {}).get("dry_run"):
        raise Unprocessable(f"Job {job_id} was a preview; it changed nothing to undo.")
    if target.state not in (JobState.completed, JobState.stopped, JobState.failed):
        raise Conflict(f"Job {job_id} is {target.state}; undo it once it has finished.")
    params = UndoParams(job_id=job_id, dry_run=dry_run)
    return await UNDO_JOB.submit(runner, params, created_by_id=created_by_id, session=session)


def undo_handler(runner: JobRunner) -> Callable[[UndoJob], Awaitable[UndoReport]]:
    async def handle(job: UndoJob) -> UndoReport:
        params = job.params
        stage = Stage.preview if params.dry_run else Stage.done
        report = UndoReport(
            undone_job_id=params.job_id,
            dry_run=params.dry_run,
            counts=ChangeCounts(),
            restored_products=0,
            not_restored_count=0,
            not_restored=[],
        )
        async with job.session() as session:
            created_by = (await job_service.get(session, job.job_id)).created_by_id
            undone_type = (await job_service.get(session, params.job_id)).type
            await results.clear(session, job.job_id, stage)
        actor = Actor(source=AuditSource.sync, user_id=created_by)
        restored: dict[int, None] = {}  # the products, once each (a product's rows: a change each)
        below: int | None = None
        # A preview restores nothing: a product's older rows, in later pages, are judged against
        # the shape its newer rows would have left (those of products with more than one row).
        left: dict[int, dict[str, Any] | None] | None = {} if params.dry_run else None
        repeated: set[int] = set()
        if params.dry_run:
            async with job.session() as session:
                repeated = await _products_in_more_than_one_row(session, params.job_id)
        while True:
            async with job.session() as session:
                rows = await done_rows_newest_first(session, params.job_id, below, BATCH)
                if not rows:
                    break
                below = rows[-1].id
                changes = await _undo_rows(
                    session,
                    rows,
                    report,
                    undone_type,
                    apply=not params.dry_run,
                    actor=actor,
                    left=left,
                )
                await results.write(session, job.job_id, stage, changes)
            if left is not None:
                left = {product_id: left[product_id] for product_id in left.keys() & repeated}
            for change in changes:
                report.counts.add(change, again=change.product_id in restored)
                if change.product_id is not None:
                    restored[change.product_id] = None
            await job.advance(done=len(changes), skipped=len(rows) - len(changes))
        report.restored_products = len(restored)
        if restored and not params.dry_run and undone_type == PUSH_JOB.name:
            async with job.session() as session:
                push = PushParams.of(PushMode.auto, PushScope(product_ids=tuple(restored)))
                report.push_job_id = await PUSH_JOB.submit(
                    runner, push, created_by_id=created_by, session=session
                )
        return report

    return handle


async def done_rows_newest_first(
    session: AsyncSession, job_id: str, below: int | None, limit: int
) -> list[JobResult]:
    """A page of the job's done results rows, newest first: those before row `below` (None: from
    the newest). The order `take_back` takes a job back in: a product the job changed twice has
    its later change taken back first, so each of its rows is judged against the shape the one
    after it left (oldest first, the earlier row would be compared with the later row's shape:
    a false "changed since", and the later row would then restore its own before-value, not
    the job's)."""
    query = select(JobResult).where(JobResult.job_id == job_id, JobResult.stage == Stage.done.value)
    if below is not None:
        query = query.where(JobResult.id < below)
    return list(await session.scalars(query.order_by(JobResult.id.desc()).limit(limit)))


async def _products_in_more_than_one_row(session: AsyncSession, job_id: str) -> set[int]:
    product_id = JobResult.product_id
    rows = await session.scalars(
        select(product_id)
        .where(
            JobResult.job_id == job_id,
            JobResult.stage == Stage.done.value,
            product_id.is_not(None),
        )
        .group_by(product_id)
        .having(func.count() > 1)
    )
    return {value for value in rows if value is not None}


async def _undo_rows(
    session: AsyncSession,
    rows: list[JobResult],
    report: UndoReport,
    undone_type: str,
    *,
    apply: bool,
    actor: Actor,
    left: dict[int, dict[str, Any] | None] | None,
) -> list[ProductChange]:
    def unrestored(row: JobResult, place: NotRestored) -> None:
        _report(report, row.product_id, place.path, place.reason, place.now, place.job_left)

    return await take_back(
        session, rows, undone_type, apply=apply, actor=actor, unrestored=unrestored, left=left
    )


async def take_back(
    session: AsyncSession,
    rows: list[JobResult],
    undone_type: str,
    *,
    apply: bool,
    actor: Actor,
    unrestored: Callable[[JobResult, NotRestored], None],
    delete_created: bool = False,
    left: dict[int, dict[str, Any] | None] | None = None,
) -> list[ProductChange]:
    """Take back what a job did to these products, from its done results rows, in their order:
    newest first (`done_rows_newest_first`; a product's rows in later calls see what the earlier
    ones restored). An updated product gets back, three-way, the
    fields still as the job left them (`safety.restore`); with `delete_created`, a product the
    job created is deleted when it is still as the job left it. What is not taken back, and why,
    goes to `unrestored` (the place `(product)` for the whole product). The changes made (with
    `apply`; else those it would make). `left`: the shapes earlier calls left products in (None:
    deleted), read over the catalog's, and given the shapes this one leaves (a preview, which
    writes nothing, over several calls)."""
    ids = [row.product_id for row in rows if row.product_id is not None]
    current: dict[int, Any] = dict(await local_shapes(session, ids))
    stocked = [row.product_id for row in rows if row.product_id is not None and _has_stock(row)]
    if stocked:
        # The job's shapes carry the stock per location (an import's): so does the current one.
        levels = await level_shapes(session, stocked)
        for product_id in stocked:
            if product_id in current:
                current[product_id] = {**current[product_id], "stock": levels.get(product_id, [])}
    if left is not None:
        current.update((i, left[i]) for i in ids if i in left)
    changes: list[ProductChange] = []
    for row in rows:
        action = ResultAction(row.action)
        if action == ResultAction.deleted and undone_type == PULL_JOB.name:
            brought = await _bring_back(session, row, apply=apply, actor=actor)
            if isinstance(brought, NotRestored):
                unrestored(row, brought)
            else:
                changes.append(brought)
            continue
        created = delete_created and action == ResultAction.created and row.after is not None
        if not created and (
            action != ResultAction.updated or row.before is None or row.after is None
        ):
            unrestored(row, NotRestored("(product)", why_not_restored(undone_type, action)))
            continue
        now = current.get(row.product_id) if row.product_id is not None else None
        if now is None or row.product_id is None or row.after is None:
            unrestored(row, NotRestored("(product)", "deleted here since the job"))
            continue
        identity = {
            "product_id": row.product_id,
            "handle": row.handle,
            "shopify_product_id": row.shopify_product_id,
        }
        if created:
            if now != row.after:
                unrestored(row, NotRestored("(product)", CHANGED_SINCE_CREATED))
                continue
            if apply:
                await product_service.delete(session, row.product_id, actor)
            current[row.product_id] = None
            if left is not None:
                left[row.product_id] = None
            changes.append(ProductChange.between(now, None, **identity))
            continue
        assert row.before is not None
        restoration = restore(row.before, row.after, now)
        for place in restoration.not_restored:
            unrestored(row, place)
        change = ProductChange.between(now, restoration.value, **identity)
        if not change.changes:
            continue
        if apply:
            await _apply(session, row.product_id, restoration.value, actor, now)
        current[row.product_id] = restoration.value  # its older row, if any, sees this
        if left is not None:
            left[row.product_id] = restoration.value
        changes.append(change)
    return changes


async def _bring_back(
    session: AsyncSession, row: JobResult, *, apply: bool, actor: Actor
) -> ProductChange | NotRestored:
    """A product the pull deleted because Shopify deleted it, made again (unlinked) from what
    its deletion's audit entry kept (`recovery`); or why not."""
    entry = await delete_entry_of(session, row.product_id) if row.product_id else None
    if entry is None:
        return NotRestored("(product)", why_not_restored(PULL_JOB.name, ResultAction.deleted))
    try:
        result = await restore_deleted(session, entry.id, actor, dry_run=not apply)
    except (Conflict, NotFound, Unprocessable) as exc:
        return NotRestored("(product)", exc.detail)
    assert entry.before is not None  # restore_deleted read its shape
    return ProductChange.between(
        None,
        entry.before["shape"],
        product_id=result.product_id or row.product_id,
        handle=result.handle,
    )


def _has_stock(row: JobResult) -> bool:
    return any(isinstance(shape, dict) and "stock" in shape for shape in (row.before, row.after))


async def _apply(
    session: AsyncSession,
    product_id: int,
    shape: dict[str, Any],
    actor: Actor,
    now: dict[str, Any],
) -> None:
    product = await load_product(session, product_id=product_id)
    if product is None:
        return
    changed = await apply_to_local(session, product, _target(shape, local_product(product)), actor)
    kept = put_back_kept_columns(product, shape)
    if kept is not None:
        if not changed:
            await product_service.bump_version(session, product)
        audit.record(
            session,
            actor,
            entity_type="product",
            entity_id=product_id,
            action="update",
            before=kept["before"],
            after=kept["after"],
        )
    if "stock" in shape:
        await put_back_levels(session, product_id, shape["stock"], now.get("stock") or [], actor)


def _target(shape: dict[str, Any], local: SyncProduct) -> SyncProduct:
    """The restored shape as the local product, keeping what the shape does not carry (stock,
    a weight without a value) from the variants as they are."""
    target = SyncedSnapshot.from_stored(shape).to_sync_product()
    by_key = {variant_key(v.option_values): v for v in local.variants}
    variants = []
    for index, variant in enumerate(target.variants):
        same = by_key.get(variant_key(variant.option_values))
        if same is None and index < len(local.variants):
            same = local.variants[index]
        # The shape's weight where it holds one (a variant the job removed comes back with it).
        grams = whole_grams(variant.weight_value, variant.weight_unit)
        variants.append(
            replace(
                variant,
                # Made again: its stock is not in the shape (it comes back per location where
                # the shape has it, `put_back_levels`): not known, not 0.
                inventory_quantity=same.inventory_quantity if same else None,
                weight_grams=grams if grams is not None else same.weight_grams if same else None,
                shopify_variant_id=same.shopify_variant_id if same else None,
            )
        )
    return replace(target, variants=variants, shopify_product_id=local.shopify_product_id)


def _report(
    report: UndoReport,
    product_id: int | None,
    path: str,
    reason: str,
    now: Any = None,
    job_left: Any = None,
) -> None:
    report.not_restored_count += 1
    if len(report.not_restored) < MAX_REPORTED:
        report.not_restored.append(
            Unrestored(product_id=product_id, path=path, reason=reason, now=now, job_left=job_left)
        )


def register(runner: JobRunner) -> None:
    UNDO_JOB.register(
        runner, undo_handler(runner), concurrency=1, exclusive=STORE_SYNC, writes=True
    )


__all__ = [
    "UNDO_JOB",
    "UndoParams",
    "UndoReport",
    "done_rows_newest_first",
    "queue_undo",
    "register",
    "take_back",
]
