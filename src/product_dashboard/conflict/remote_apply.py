"""Apply what Shopify says about a product: echo, stale, merge, or conflict. Never commits.

Used by the webhook processor, the reconciliation pull and `POST /api/conflicts/detect` alike,
so a change reaches the same decision whichever way we learn of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.conflict.apply import (
    apply_to_local,
    has_unsynced_changes,
    learn_unset,
    link_items,
    load_product,
    load_products,
    note_variant_metafields,
    record_base,
)
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.new_product import build_from_remote, reported_quantities
from product_dashboard.conflict.shapes import base_product, local_product, sync_product_to_dict
from product_dashboard.conflict.threeway import compare
from product_dashboard.conflict.whole_shape import DeletedInShopify, whole_shape
from product_dashboard.exceptions import Conflict as VersionConflict
from product_dashboard.inventory.inbound import apply_held_for_recorded_items
from product_dashboard.inventory.levels import ReportedTotal, merge_reported_totals
from product_dashboard.kit.time import as_utc, latest, utcnow
from product_dashboard.models import (
    AuditSource,
    ConflictState,
    Product,
    ProductConflict,
    ProductVariant,
)
from product_dashboard.product.service import ProductWrites
from product_dashboard.product.write_rows import write_new
from product_dashboard.shopify.mapping import (
    SyncProduct,
    VariantUnset,
    content_hash,
    unset_fields,
    variant_unset,
)

DELETED_PATH = "product"


class Outcome(StrEnum):
    echo = "echo"  # Shopify has what we last synced, or what we have: our own push coming back
    unchanged = "unchanged"  # nothing changed on Shopify's side (local edits wait for a push)
    stale = "stale"  # older than what we already know: out-of-order delivery
    merged = "merged"  # remote-only changes applied locally
    conflict = "conflict"  # some fields changed on both sides; others merged
    created = "created"  # a product made in Shopify's admin, now created locally
    deleted = "deleted"  # deleted in Shopify and locally unchanged: deleted here too
    not_linked = "not_linked"  # a product we do not know (or one our push is still creating)


@dataclass(slots=True)
class InboundResult:
    outcome: Outcome
    product_id: int | None = None
    fields: list[str] = field(default_factory=list)
    conflict_id: int | None = None
    learned: bool = False
    """An echo that took fields not known here before (`learn_unset`): nothing replaced."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "product_id": self.product_id,
            "fields": self.fields,
            "conflict_id": self.conflict_id,
        }


def _actor(source: str) -> Actor:
    return Actor(source=AuditSource.webhook if source == "webhook" else AuditSource.sync)


async def open_conflict_for(session: AsyncSession, product_id: int) -> ProductConflict | None:
    return (
        await session.execute(
            select(ProductConflict).where(
                ProductConflict.product_id == product_id,
                ProductConflict.state == ConflictState.open.value,
            )
        )
    ).scalar_one_or_none()


async def _supersede(session: AsyncSession, product: Product) -> None:
    await session.execute(
        update(ProductConflict)
        .where(
            ProductConflict.product_id == product.id,
            ProductConflict.state == ConflictState.open.value,
        )
        .values(state=ConflictState.superseded.value)
    )
    product.open_conflicts = 0


async def apply_remote(
    session: AsyncSession,
    remote: SyncProduct,
    *,
    remote_updated_at: datetime | None,
    source: str,
    events: ConflictEvents,
    create_missing: bool = True,
    loaded: Product | None = None,
    quantities: QuantityMerges | None = None,
    writes: ProductWrites | None = None,
    read_at: datetime | None = None,
) -> InboundResult:
    """Compare Shopify's `remote` with the local product and base; merge or record a conflict.

    `loaded`: the product as `load_products` loaded it (with others), instead of loading it;
    `quantities`: where its reported quantities wait to be merged with the others';
    `writes`: where a merge's version compare-and-set and audit entry wait to be written with
    the others'; `read_at`: when Shopify's read of `remote` began, if known (`merge_quantities`)."""
    product = loaded or await load_product(session, shopify_id=remote.shopify_product_id)
    if product is None:
        return await _create_from_remote(
            session, remote, remote_updated_at, source, create_missing, read_at
        )
    known = product.shopify_updated_at
    if known is not None and remote_updated_at is not None and remote_updated_at < as_utc(known):
        return InboundResult(Outcome.stale, product.id)

    same_content = _SameContent(remote)
    base = base_product(product.synced_snapshot) if product.synced_snapshot else None
    if base is not None and same_content(base):
        # Shopify holds what we last synced: our own push's echo (or a no-op save there).
        await merge_quantities(
            session, product, remote, quantities, at=remote_updated_at, read_at=read_at
        )
        _note_remote_time(product, remote_updated_at)
        if product.open_conflicts:
            await _supersede(session, product)
        learned = learn_unset(product, remote, remote_updated_at)
        return InboundResult(Outcome.echo, product.id, learned=learned)

    local = local_product(product)
    if same_content(local):
        # Shopify already holds exactly our product: typically our push's echo arriving before
        # the push recorded its new base (which it is about to do).
        await merge_quantities(
            session, product, remote, quantities, at=remote_updated_at, read_at=read_at
        )
        _note_remote_time(product, remote_updated_at)
        if product.open_conflicts:
            await _supersede(session, product)  # Shopify moved on; the old question is moot
        if base is None:
            record_base(product, remote, in_sync=True, remote_updated_at=remote_updated_at)
        learned = learn_unset(product, remote, remote_updated_at)
        return InboundResult(Outcome.echo, product.id, learned=learned)

    unsynced = has_unsynced_changes(product)
    comparison = compare(base, local, remote)
    remote_paths = [d.path for d in comparison.remote_changes]
    conflicts = comparison.conflicts
    if remote_paths:
        await apply_to_local(
            session,
            product,
            comparison.merged,
            _actor(source),
            read=remote,
            writes=writes,
            current=local,
        )
        note_variant_metafields(product, remote)  # the merge is ours: Shopify's read tells
    await merge_quantities(
        session, product, remote, quantities, at=remote_updated_at, read_at=read_at
    )
    _note_remote_time(product, remote_updated_at)

    if conflicts:
        await _supersede(session, product)
        record = ProductConflict(
            product_id=product.id,
            state=ConflictState.open.value,
            source=source,
            fields=[d.as_record() for d in conflicts],
            remote=sync_product_to_dict(remote),
            remote_updated_at=remote_updated_at,
            local_version=product.version,
        )
        session.add(record)
        product.open_conflicts = len(conflicts)
        await session.flush()
        events.detected(session, record, product)
        return InboundResult(
            Outcome.conflict, product.id, [d.path for d in conflicts], conflict_id=record.id
        )

    if product.open_conflicts:
        await _supersede(session, product)  # Shopify moved on; the old question is moot
    if not remote_paths:
        return InboundResult(Outcome.unchanged, product.id)
    in_sync = not unsynced and not comparison.local_changes
    record_base(product, remote, in_sync=in_sync, remote_updated_at=remote_updated_at)
    events.merged(session, product, remote_paths, source)
    return InboundResult(Outcome.merged, product.id, remote_paths)


async def apply_remotes(
    session: AsyncSession,
    reads: Sequence[tuple[SyncProduct, datetime | None]],
    *,
    source: str,
    events: ConflictEvents,
    create_missing: bool = True,
    loaded: Mapping[str, Product] | None = None,
    read_at: datetime | None = None,
) -> list[InboundResult]:
    """`apply_remote` of each (Shopify's product, its updatedAt) in the session's transaction,
    as if alone: the products loaded at once, their merges written together (one version
    compare-and-set and one audit INSERT for all, their rows flushed at once), their reported
    quantities merged together. `loaded`: the products as `load_products` loaded them (these
    and maybe others), instead of loading them; `read_at`: when Shopify's read of them began, if
    known (`merge_quantities`)."""
    if loaded is None:
        loaded = await load_products(session, [p.shopify_product_id or "" for p, _ in reads])
    quantities = QuantityMerges()
    writes = ProductWrites()
    results: list[InboundResult] = []
    for product, updated_at in reads:
        result = await apply_remote(
            session,
            product,
            remote_updated_at=updated_at,
            source=source,
            events=events,
            create_missing=create_missing,
            loaded=loaded.get(product.shopify_product_id or ""),
            quantities=quantities,
            writes=writes,
            read_at=read_at,
        )
        results.append(result)
        # The decisions are our CPU with nothing awaited: between two, the event loop answers
        # whatever came meanwhile (a webhook delivery waits for its ack), however many are
        # decided in this transaction.
        await asyncio.sleep(0)
    await writes.write(session)
    await quantities.merge(session)
    # One flush for the rows the decisions and quantities changed: each row written once, a
    # product's totals with its fields.
    await session.flush()
    return results


@dataclass(slots=True)
class QuantityMerges:
    """The quantities Shopify reported for products decided together in one transaction,
    merged for all at once by `merge` (one set of inventory statements, not one per product).
    Nothing the decision reads depends on them (snapshots and comparisons leave inventory out).
    Written with the session's next flush."""

    pending: list[tuple[Product, list[ReportedTotal]]] = field(default_factory=list)
    recorded: dict[str, int] = field(default_factory=dict)
    """Inventory items the reads recorded anew (item gid -> variant id), whose held level
    events are merged after the reads' quantities."""
    read_from: datetime | None = None
    """When the earliest of those reads began (Shopify's clock)."""

    def add(
        self,
        product: Product,
        reported: list[ReportedTotal],
        recorded: Mapping[str, int],
        read_at: datetime,
    ) -> None:
        if reported:
            self.pending.append((product, reported))
        if recorded:
            self.recorded.update(recorded)
            self.read_from = read_at if self.read_from is None else min(self.read_from, read_at)

    async def merge(self, session: AsyncSession) -> None:
        pending, self.pending = self.pending, []
        recorded, self.recorded = self.recorded, {}
        await merge_reported_totals(session, [pair for _, pairs in pending for pair in pairs])
        for product, _ in pending:
            product.total_inventory = sum(v.inventory_quantity for v in product.variants)
        if recorded:
            # After the reads' own numbers (flushed: the levels' stamps they set are what a
            # held event is ordered against; one older than what they reported is stale).
            assert self.read_from is not None
            await session.flush()
            await apply_held_for_recorded_items(session, recorded, self.read_from)
        self.read_from = None


async def merge_quantities(
    session: AsyncSession,
    product: Product,
    remote: SyncProduct,
    later: QuantityMerges | None = None,
    *,
    at: datetime | None,
    read_at: datetime | None = None,
) -> None:
    """Shopify's quantities, where it reported them, merged into the levels (inventory.levels:
    a remote quantity change is never a conflict, and a quantity not read is left alone), as of
    `at` (the product's `updatedAt`); `later`: kept there, merged with the others' when it says.

    `read_at`: when Shopify's read of `remote` began (a bulk export's start), when the read may
    be older than what was merged since: its quantities are then as of the later of the two
    times, and not merged into a level Shopify reported later (`Report.snapshot`).

    The variants' inventory items are recorded from `remote` on the way (`link_items`): every
    read of Shopify's product comes through here, an echo included, so a catalog from before
    items were recorded learns them from its next webhook or pull. Level events held for an
    item recorded anew (received since the read began: older ones the read covers) are merged
    after the read's quantities, as a create merges those of the items it links."""
    recorded = link_items(product, remote)  # so that the next level event finds its variant
    snapshot = read_at is not None
    at = latest(at, read_at)
    reported = [
        ReportedTotal(v, n, at, snapshot)
        for v, n in reported_quantities(product, remote)
        if isinstance(v, ProductVariant) and v.id is not None
    ]
    if not (reported or recorded):
        return
    merges = later if later is not None else QuantityMerges()
    merges.add(product, reported, recorded, at or utcnow())
    if later is None:
        await merges.merge(session)
        await session.flush()


class _SameContent:
    """Whether Shopify's `remote` holds a side (`ours`), leaving out what that side was never
    told (learned, not a change). The base and the local side mostly leave out the same
    fields: `remote` is hashed once per set left out, not once per side."""

    def __init__(self, remote: SyncProduct) -> None:
        self.remote = remote
        self._remote_hashes: dict[tuple[tuple[str, ...], VariantUnset], str] = {}

    def __call__(self, ours: SyncProduct) -> bool:
        unset = (tuple(unset_fields(ours)), variant_unset(ours))
        remote_hash = self._remote_hashes.get(unset)
        if remote_hash is None:
            remote_hash = self._remote_hashes[unset] = _hash(self.remote, unset)
        return remote_hash == _hash(ours, unset)


def _hash(product: SyncProduct, unset: tuple[tuple[str, ...], VariantUnset]) -> str:
    return content_hash(
        product,
        include_inventory=False,
        include_media=True,
        unknown=unset[0],
        variant_unknown=unset[1],
    )


def _note_remote_time(product: Product, remote_updated_at: datetime | None) -> None:
    """Set after the quantities are merged (their reads flush): written with the product's
    other changes, not in an UPDATE of its own."""
    if remote_updated_at is not None and (
        product.shopify_updated_at is None or remote_updated_at > as_utc(product.shopify_updated_at)
    ):
        product.shopify_updated_at = remote_updated_at


async def _create_from_remote(
    session: AsyncSession,
    remote: SyncProduct,
    remote_updated_at: datetime | None,
    source: str,
    create_missing: bool,
    read_at: datetime | None,
) -> InboundResult:
    if not create_missing or remote.shopify_product_id is None:
        return InboundResult(Outcome.not_linked)
    same_handle = await session.scalar(
        select(Product.id).where(Product.handle == remote.handle, Product.deleted_at.is_(None))
    )
    if same_handle is not None:
        # Most likely our own push creating it, not yet recorded: the recorder links it.
        return InboundResult(Outcome.not_linked, same_handle)
    tombstone = await session.scalar(
        select(Product.id).where(Product.shopify_product_id == remote.shopify_product_id)
    )
    if tombstone is not None:
        return InboundResult(Outcome.not_linked, tombstone)  # deleted here, deletion pending
    creation = await build_from_remote(session, remote, remote_updated_at)
    creation.reported_at = latest(remote_updated_at, read_at)  # as `RemoteProduct.reported_at`
    (product_id,) = await write_new(session, [creation], _actor(source))
    return InboundResult(Outcome.created, product_id)


async def apply_remote_delete(
    session: AsyncSession, shopify_id: str, *, source: str, events: ConflictEvents
) -> InboundResult:
    """Shopify deleted a product: delete it here too, unless it has edits not yet pushed."""
    product = await load_product(session, shopify_id=shopify_id, include_deleted=True)
    if product is None:
        return InboundResult(Outcome.not_linked)
    if product.deleted_at is not None or not has_unsynced_changes(product):
        # Kept whole (deleted here first: nothing to keep), so it can be restored here.
        shape = await whole_shape(session, product) if product.deleted_at is None else None
        before = DeletedInShopify(
            id=product.id,
            title=product.title,
            handle=product.handle,
            shopify_product_id=shopify_id,
            shape=shape,
        ).model_dump()
        await session.delete(product)
        audit.record(
            session,
            _actor(source),
            entity_type="product",
            entity_id=product.id,
            action="delete",
            before=before,
            after=None,
        )
        await session.flush()
        events.deleted(session, product.id, shopify_id)
        return InboundResult(Outcome.deleted, product.id)
    await _supersede(session, product)
    record = ProductConflict(
        product_id=product.id,
        state=ConflictState.open.value,
        source=source,
        fields=[
            {
                "path": DELETED_PATH,
                "label": "Product deleted in Shopify, edited here",
                "base": "exists",
                "local": "edited",
                "remote": "deleted",
            }
        ],
        remote=sync_product_to_dict(local_product(product)),
        local_version=product.version,
    )
    session.add(record)
    product.open_conflicts = 1
    await session.flush()
    events.detected(session, record, product)
    return InboundResult(Outcome.conflict, product.id, [DELETED_PATH], conflict_id=record.id)


__all__ = [
    "DELETED_PATH",
    "InboundResult",
    "Outcome",
    "QuantityMerges",
    "VersionConflict",
    "apply_remote",
    "apply_remote_delete",
    "open_conflict_for",
]
