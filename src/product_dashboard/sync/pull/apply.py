"""Apply a chunk of Shopify's products to the catalog.

* unknown here → created locally, linked, marked synced: the chunk's new products together, one
  INSERT per table (`create_set`); one it cannot take that way (invalid here, a handle taken)
  goes alone through `create.create_from_remote`, which says why;
* known, and Shopify holds exactly the last-synced content (the base) → nothing to apply: only
  Shopify's `updatedAt` is noted, in one statement for the chunk, without a version bump, and
  a variant's quantity that differs from Shopify's last report is merged (a sale moves no
  product's `updatedAt`, and its webhook may have been missed);
* otherwise → `conflict.inbound.apply_remote` (a transaction each, so one failure costs only
  that product), the same three-way decision a webhook gets:
  remote-only changes are merged (audited as `sync`, base and synced version recorded), a field
  changed on both sides becomes an open conflict, a local edit is never overwritten.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.apply import load_products
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import (
    InboundResult,
    QuantityMerges,
    apply_remote,
    apply_remotes,
    merge_quantities,
)
from product_dashboard.conflict.shapes import base_product
from product_dashboard.db import SessionFactory
from product_dashboard.exceptions import AppError
from product_dashboard.inventory.levels import (
    LastReport,
    VariantTotal,
    hold_products,
    last_reported_totals,
    merge_unmoved_totals,
)
from product_dashboard.kit.custom_plans import planned_for_its_parameters
from product_dashboard.kit.early_commit import commit_early
from product_dashboard.kit.time import as_utc, earliest
from product_dashboard.models import Product
from product_dashboard.shopify.mapping import SyncProduct, content_hash
from product_dashboard.sync.pull.create import NotCreated, create_from_remote
from product_dashboard.sync.pull.create_set import create_set
from product_dashboard.sync.pull.results import PullResults
from product_dashboard.sync.pull.source import RemoteProduct

logger = logging.getLogger(__name__)

PULL_SOURCE = "pull"
ATTEMPTS = 6
TRUNCATED = "more variants than one API query can read: not applied (a full pull reads it whole)"
MAX_ERROR_LENGTH = 500
# Outcomes by job counter: what changed something here, what needed nothing, what failed.
DONE_OUTCOMES = frozenset({"created", "merged", "conflict"})
FAILED_OUTCOMES = frozenset({"error"})


@dataclass(slots=True)
class ChunkResult:
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    newest: datetime | None = None
    learned: int = 0
    """Of the echoes (counted skipped), those that took fields not known here before."""

    def counts(self) -> tuple[int, int, int]:
        """(done, skipped, failed) for job progress."""
        done = sum(n for o, n in self.outcomes.items() if o in DONE_OUTCOMES)
        failed = sum(n for o, n in self.outcomes.items() if o in FAILED_OUTCOMES)
        return done, sum(self.outcomes.values()) - done - failed, failed


@dataclass(slots=True)
class Known:
    id: int
    snapshot: dict[str, Any] | None
    shopify_updated_at: datetime | None
    open_conflicts: int
    deleted: bool


_PRODUCT = cast(Table, Product.__table__)
_NOTE_REMOTE_TIME = (
    update(_PRODUCT)
    .where(_PRODUCT.c.id == bindparam("b_id"))
    .values(
        shopify_updated_at=bindparam("b_at"),
        updated_at=_PRODUCT.c.updated_at,  # noting Shopify's time is not an edit
    )
)


async def known_products(session: AsyncSession, shopify_ids: Sequence[str]) -> dict[str, Known]:
    async with planned_for_its_parameters(session):
        rows = await session.execute(
            select(
                Product.id,
                Product.shopify_product_id,
                Product.synced_snapshot,
                Product.shopify_updated_at,
                Product.open_conflicts,
                Product.deleted_at,
            ).where(Product.shopify_product_id.in_(list(shopify_ids)))
        )
    return {
        row.shopify_product_id: Known(
            row.id,
            row.synced_snapshot,
            as_utc(row.shopify_updated_at) if row.shopify_updated_at else None,
            row.open_conflicts,
            row.deleted_at is not None,
        )
        for row in rows
    }


def _untracked_cleared(product: SyncProduct) -> SyncProduct:
    """`product` without what a base does not record (and three-way never compares): weights."""
    return replace(product, variants=[replace(v, weight_grams=None) for v in product.variants])


def is_base(known: Known, remote: RemoteProduct) -> bool:
    """Shopify holds what we last synced (inventory and weights are not part of the base)."""
    if known.snapshot is None:
        return False
    base = _untracked_cleared(base_product(known.snapshot))
    return content_hash(base, include_inventory=False, include_media=True) == content_hash(
        _untracked_cleared(remote.product), include_inventory=False, include_media=True
    )


def _unmoved(remote: RemoteProduct, reported: dict[str, LastReport]) -> list[VariantTotal]:
    """The quantities `remote` reads that equal Shopify's last report (not `_to_merge`), as of
    when `merge_quantities` would stamp them."""
    snapshot = remote.read_at is not None
    return [
        VariantTotal(last.variant_id, variant.inventory_quantity, remote.reported_at, snapshot)
        for variant in remote.product.variants
        if variant.inventory_quantity is not None
        and (last := reported.get(variant.shopify_variant_id or "")) is not None
    ]


def _to_merge(remote: SyncProduct, reported: dict[str, LastReport]) -> bool:
    """Shopify reads a quantity of `remote` other than its last report (or of a variant not
    linked by id: then `merge_quantities` matches it by its option values), or an inventory
    item not recorded here (`link_items`, on the way)."""
    for variant in remote.variants:
        last = reported.get(variant.shopify_variant_id or "")
        quantity, item = variant.inventory_quantity, variant.inventory_item_id
        if quantity is not None and (last is None or last.total != quantity):
            return True
        if item is not None and last is not None and last.item != item:
            return True
    return False


async def _merge_moved_quantities(
    session: AsyncSession, unchanged: Sequence[tuple[RemoteProduct, Known]]
) -> None:
    """The quantities of products whose content is unchanged, where Shopify's differ from its
    last report (or a variant's inventory item is not recorded), merged as a webhook's are
    (`merge_quantities`: a pending local stock edit keeps its difference; stamped with the later
    of the product's `updatedAt` and the read's start, a level Shopify reported later than that
    kept as it is). Where they equal it, only the level's stamp moves, as that merge would move
    it (`merge_unmoved_totals`): a level event older than this read, arriving later, is then
    stale, not merged over it.

    Decided on the last reports read holding the products (`hold_products`), as a level event
    holds them before it merges: read before, a level event committed between the read and
    this transaction's end left its number where this read (newer) said otherwise."""
    if not unchanged:
        return
    await hold_products(session, [local.id for _, local in unchanged])
    reported = await last_reported_totals(session, [local.id for _, local in unchanged])
    to_merge: list[RemoteProduct] = []
    unmoved: list[VariantTotal] = []
    for remote, _ in unchanged:
        if _to_merge(remote.product, reported):
            to_merge.append(remote)
        else:
            unmoved.extend(_unmoved(remote, reported))
    await merge_unmoved_totals(session, unmoved)
    if not to_merge:
        return
    loaded = await load_products(session, [remote.shopify_id for remote in to_merge])
    quantities = QuantityMerges()
    for remote in to_merge:
        product = loaded.get(remote.shopify_id)
        if product is not None:
            await merge_quantities(
                session,
                product,
                remote.product,
                quantities,
                at=remote.updated_at,
                read_at=remote.read_at,
            )
    await quantities.merge(session)


def _message(exc: BaseException) -> str:
    text = exc.detail if isinstance(exc, AppError) else str(exc)
    return f"{type(exc).__name__}: {text}"[:MAX_ERROR_LENGTH]


async def apply_chunk(
    sessions: SessionFactory,
    remotes: Sequence[RemoteProduct],
    events: ConflictEvents,
    recorder: PullResults | None = None,
    *,
    set_based: bool = True,
) -> ChunkResult:
    """Apply `remotes`: one transaction sorts them and notes unchanged ones, one creates the
    new ones together (`set_based`; otherwise each is created alone), then one each for the
    rest; `recorder` writes what changed here (a pull job's results)."""
    result = ChunkResult()
    to_apply: list[tuple[RemoteProduct, Known | None]] = []

    async def classify(session: AsyncSession) -> None:
        result.outcomes.clear()  # a retried attempt starts over
        result.errors.clear()
        to_apply.clear()
        known = await known_products(session, [r.shopify_id for r in remotes if r.shopify_id])
        note_times: list[dict[str, Any]] = []
        unchanged: list[tuple[RemoteProduct, Known]] = []
        for remote in remotes:
            local = known.get(remote.shopify_id)
            if remote.truncated or remote.unreadable:
                result.outcomes["error"] += 1
                result.errors.append(_error(remote, remote.unreadable or TRUNCATED))
            elif local is not None and local.deleted:
                result.outcomes["deleted_here"] += 1  # the push will delete it in Shopify
            elif local is not None and not local.open_conflicts and is_base(local, remote):
                result.outcomes["unchanged"] += 1
                unchanged.append((remote, local))
                if remote.updated_at is not None and (
                    local.shopify_updated_at is None or remote.updated_at > local.shopify_updated_at
                ):
                    note_times.append({"b_id": local.id, "b_at": remote.updated_at})
            else:
                to_apply.append((remote, local))
        if note_times:
            await session.execute(_NOTE_REMOTE_TIME, note_times)
        await _merge_moved_quantities(session, unchanged)

    for remote in remotes:
        if remote.updated_at is not None and (
            result.newest is None or remote.updated_at > result.newest
        ):
            result.newest = remote.updated_at
    await retrying(sessions, classify)
    creates = [remote for remote, local in to_apply if local is None]
    if set_based and creates:
        handed_back = await _create_set(sessions, creates, recorder)
        result.outcomes["created"] += len(creates) - len(handed_back)
        again = {id(remote) for remote in handed_back}
        to_apply = [(r, local) for r, local in to_apply if local is not None or id(r) in again]
    known = [(remote, local) for remote, local in to_apply if local is not None]
    if (
        set_based
        and known
        and await _apply_known_together(sessions, known, events, result, recorder)
    ):
        to_apply = [(remote, local) for remote, local in to_apply if local is None]
    for remote, local in to_apply:
        await _apply_one(sessions, remote, local, events, result, recorder)
    return result


async def _create_set(
    sessions: SessionFactory, remotes: Sequence[RemoteProduct], recorder: PullResults | None
) -> list[RemoteProduct]:
    """New products in one transaction, one statement per table (`create_set`); those it
    hands back (and all of them when writing the set fails) are then created one by one, so
    a failing one is found and costs only itself."""
    handed_back: list[RemoteProduct] = []

    async def work(session: AsyncSession) -> None:
        created = await create_set(session, remotes)
        handed_back[:] = created.handed_back
        if recorder is not None:
            await recorder.record_created(
                session, [(product_id, remote.shopify_id) for product_id, remote in created.created]
            )

    try:
        await retrying(sessions, work)
    except (AppError, SQLAlchemyError, ValueError, KeyError) as exc:
        logger.info("pull: creating %d products at once failed (%s): one by one", len(remotes), exc)
        return list(remotes)
    return handed_back


async def retrying(
    sessions: SessionFactory,
    work: Callable[[AsyncSession], Awaitable[None]],
) -> None:
    """Run `work` in a transaction of its own, again in a fresh one when the database was busy.

    Committed early (`kit.early_commit`, PostgreSQL): the pull's resume point (the job's
    checkpoint, the incremental cursor) is saved after its chunk in a later commit, so a chunk
    a crash loses is pulled again on resume (applying is idempotent).

    SQLite in WAL mode refuses a write from a transaction whose snapshot another writer (the
    job runner, the webhook processor) has moved past; a new transaction succeeds. Everything
    retried here is idempotent.
    """
    for attempt in range(ATTEMPTS):
        try:
            async with sessions() as session:
                await commit_early(session)
                await work(session)
            return
        except OperationalError as exc:
            if attempt == ATTEMPTS - 1:
                raise
            logger.info("pull: retrying after a database error: %s", exc.orig)
            await asyncio.sleep(random.uniform(0.02, 0.1) * 2**attempt)


async def _apply_one(
    sessions: SessionFactory,
    remote: RemoteProduct,
    local: Known | None,
    events: ConflictEvents,
    result: ChunkResult,
    recorder: PullResults | None = None,
) -> None:
    """One product in its own transaction: a failure costs that product only."""
    outcome: list[InboundResult | None] = []

    async def work(session: AsyncSession) -> None:
        outcome.clear()
        linked = local is not None or await session.scalar(
            select(Product.id).where(Product.shopify_product_id == remote.shopify_id)
        )
        if not linked:  # (checked again: a webhook may have created it meanwhile)
            product_id = await create_from_remote(session, remote)
            if recorder is not None:
                await recorder.record(session, product_id, None, remote.shopify_id)
            outcome.append(None)
            return
        outcome.append(await _apply_known(session, remote, local, events, recorder))

    try:
        await retrying(sessions, work)
    except NotCreated as exc:
        result.outcomes["not_linked"] += 1
        result.errors.append(_error(remote, str(exc), kind="not_linked"))
        return
    except (AppError, SQLAlchemyError, ValueError, KeyError) as exc:
        result.outcomes["error"] += 1
        result.errors.append(_error(remote, _message(exc)))
        return
    inbound = outcome[0]
    if inbound is None:
        result.outcomes["created"] += 1
        return
    _tally(result, inbound)


async def _apply_known(
    session: AsyncSession,
    remote: RemoteProduct,
    local: Known | None,
    events: ConflictEvents,
    recorder: PullResults | None,
) -> InboundResult:
    """The three-way decision for a product linked here, alone."""
    before = await recorder.before(session, local.id if local else None) if recorder else None
    applied = await apply_remote(
        session,
        remote.product,
        remote_updated_at=remote.updated_at,
        source=PULL_SOURCE,
        events=events,
        create_missing=False,
        read_at=remote.read_at,
    )
    if recorder is not None and applied.product_id is not None and before is not None:
        await recorder.record(
            session, applied.product_id, before, remote.shopify_id, learned=applied.learned
        )
    return applied


async def _apply_known_together(
    sessions: SessionFactory,
    known: Sequence[tuple[RemoteProduct, Known]],
    events: ConflictEvents,
    result: ChunkResult,
    recorder: PullResults | None,
) -> bool:
    """Products linked here in one transaction, loaded at once, each decided as alone.

    False when any of them fails: nothing is kept, and they are then applied one by one, so the
    failing one is found and costs only itself."""
    applied: list[InboundResult] = []

    async def work(session: AsyncSession) -> None:
        applied.clear()
        before = await recorder.befores(session, [k.id for _, k in known]) if recorder else {}
        applied.extend(
            await apply_remotes(
                session,
                [(remote.product, remote.updated_at) for remote, _ in known],
                source=PULL_SOURCE,
                events=events,
                create_missing=False,
                read_at=earliest(remote.read_at for remote, _ in known),
            )
        )
        if recorder is not None:
            await recorder.record_many(
                session,
                [
                    (inbound.product_id, shape, remote.shopify_id, inbound.learned)
                    for (remote, local), inbound in zip(known, applied, strict=True)
                    if inbound.product_id is not None
                    and (shape := before.get(local.id)) is not None
                ],
            )

    try:
        await retrying(sessions, work)
    except (AppError, SQLAlchemyError, ValueError, KeyError) as exc:
        logger.info("pull: applying %d products at once failed (%s): one by one", len(known), exc)
        return False
    for inbound in applied:
        _tally(result, inbound)
    return True


def _tally(result: ChunkResult, inbound: InboundResult) -> None:
    result.outcomes[inbound.outcome.value] += 1
    result.learned += inbound.learned
    if inbound.conflict_id is not None:
        result.conflicts.append(
            {
                "product_id": inbound.product_id,
                "conflict_id": inbound.conflict_id,
                "fields": inbound.fields,
            }
        )


def _error(remote: RemoteProduct, message: str, *, kind: str = "error") -> dict[str, Any]:
    return {
        "shopify_id": remote.shopify_id,
        "handle": remote.product.handle,
        "kind": kind,
        "error": message,
    }
