"""A pull's preview (`dry_run`): what Shopify's products would change here, field by field,
read from Shopify (its read API only) and written as the job's preview results.

It reads what an incremental pull would read (products changed since the last pull; all of them
before the first), and decides each product as the pull does: unknown here → created; Shopify
still holding the last-synced base → nothing; otherwise the three-way merge of `safety.restore`
(Shopify's values where the catalog still holds the base; a field changed on both sides to
different values makes the pull open a conflict and change nothing). Images and the category stay
as they are here, as the pull keeps them.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.models import Product, ResultAction, ResultStage
from product_dashboard.product.normalize import sanitize_html
from product_dashboard.safety import results
from product_dashboard.safety.diff import ChangeKind
from product_dashboard.safety.guards import GuardRules, GuardTally
from product_dashboard.safety.restore import restore
from product_dashboard.safety.results import ChangeCounts, ProductChange
from product_dashboard.shopify.bulk import MAX_BULK_OPERATIONS
from product_dashboard.shopify.bulk_read import BulkReader, Remote
from product_dashboard.shopify.bulk_variants import plan_variant_export
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import updated_since_filter
from product_dashboard.shopify.export import ExportPart, plan_export
from product_dashboard.shopify.mapping import SyncImage
from product_dashboard.sync.job_types import PreviewReport, PullJobReport
from product_dashboard.sync.preview import base_shape, catalog_size
from product_dashboard.sync.pull.apply import Known, is_base, known_products
from product_dashboard.sync.pull.cursor import load_cursor
from product_dashboard.sync.pull.engine import OVERLAP, PullReport
from product_dashboard.sync.pull.kept import PreviewRead
from product_dashboard.sync.pull.reading import read_plan
from product_dashboard.sync.pull.results import local_shape
from product_dashboard.sync.pull.source import RemoteProduct, iter_pages


def pull_change(
    remote: RemoteProduct, known: Known | None, local: dict[str, Any] | None
) -> ProductChange | None:
    """What pulling `remote` does here; None when nothing."""
    if known is None:
        shape = SyncedSnapshot.of(replace(remote.product, images=[])).to_stored()
        return ProductChange.between(
            None, shape, handle=remote.product.handle, shopify_product_id=remote.shopify_id
        )
    if known.deleted or local is None or (not known.open_conflicts and is_base(known, remote)):
        return None
    kept = [SyncImage(i["src"], i.get("alt")) for i in local.get("images") or []]
    incoming = replace(remote.product, images=kept, category_id=local.get("category_id"))
    theirs = SyncedSnapshot.of(incoming).to_stored()
    base = base_shape(known.snapshot) or {}
    merged = restore(theirs, base, local)
    identity = {
        "product_id": known.id,
        "handle": local.get("handle"),
        "shopify_product_id": remote.shopify_id,
    }
    if merged.not_restored:
        change = ProductChange.between(local, theirs, **identity)
        change.action = ResultAction.failed
        paths = ", ".join(n.path for n in merged.not_restored)
        change.error = f"changed here and in Shopify: the pull opens a conflict on {paths}"
        return change
    change = ProductChange.between(local, merged.value, **identity)
    if not change.changes:
        return None
    if all(c.kind is ChangeKind.changed and c.old is None for c in change.changes):
        change.action = ResultAction.learned  # only fields not known here read: as the pull says
    return change


ReadProgress = Callable[[int, int], Awaitable[None]]
"""Told the products read so far and how many the read has (the job's "previewing" progress)."""


@dataclass(slots=True)
class PulledPreview:
    counts: ChangeCounts
    read: PreviewRead
    """What it read, kept for the pull that follows (`kept`)."""


async def preview_pull(
    session_factory: Any,
    client: ShopifyClient,
    job_id: str,
    tally: GuardTally,
    on_read: ReadProgress | None = None,
) -> PulledPreview:
    """Write the preview rows of a pull now; their counts and what was read. Shopify is read
    as the pull would read it: by pages, or by a bulk export where that is sooner (`reading`;
    a store's first pull reads every product)."""
    counts = ChangeCounts()
    seen = 0
    async with session_factory() as session:
        await results.clear(session, job_id, ResultStage.preview)
        since = await load_cursor(session)
    search = updated_since_filter(since - OVERLAP) if since is not None else None
    in_bulk, total = await read_plan(client, search)
    read = PreviewRead(since=since, source="bulk" if in_bulk else "pages", total=total)

    async def preview(products: list[RemoteProduct]) -> None:
        nonlocal seen
        seen += len(products)
        async with session_factory() as session:
            changes = await _page_changes(session, products)
            await results.write(session, job_id, ResultStage.preview, changes)
        for change in changes:
            counts.add(change)
            tally.add(change)
        if on_read is not None:
            await on_read(seen, max(seen, read.total))

    if on_read is not None:
        await on_read(0, total)
    if in_bulk:
        await _read_in_bulk(client, search, preview, read)
    else:
        read.pages = []
        async for page in iter_pages(client, search):
            await preview(page.products)
            read.keep(page)
    read.looked_at, read.ended = seen, time.monotonic()
    return PulledPreview(counts, read)


async def _read_in_bulk(
    client: ShopifyClient,
    search: str | None,
    handle: Callable[[list[RemoteProduct]], Awaitable[None]],
    read: PreviewRead,
) -> None:
    """The products `search` matches, by the bulk exports a pull runs (products beside their
    variants), handed on a chunk at a time; a product whose line cannot be read is left out, as
    the page's are. The export's parts (their operations) are kept in `read`."""
    parts, read.total = await plan_export(client, search, MAX_BULK_OPERATIONS)
    variant_parts = await plan_variant_export(
        client, search, MAX_BULK_OPERATIONS, read.total if search is not None else None
    )

    async def chunk_read(chunk: list[Remote]) -> None:
        await handle(
            [
                RemoteProduct(r.product, r.updated_at, read_at=r.read_at)
                for r in chunk
                if r.product is not None
            ]
        )

    reader = BulkReader(client, should_stop=lambda: False, on_saved=_keep_nothing)
    await reader.run(parts, chunk_read, variant_parts=variant_parts)
    read.parts, read.variant_parts = parts, variant_parts


async def _keep_nothing(_: Sequence[ExportPart]) -> None:
    """A preview has no checkpoint: a resumed one reads again."""


async def _page_changes(session: AsyncSession, remotes: list[RemoteProduct]) -> list[ProductChange]:
    known = await known_products(session, [r.shopify_id for r in remotes if r.shopify_id])
    changes: list[ProductChange] = []
    for remote in remotes:
        if remote.truncated or remote.unreadable:
            continue
        # A copy: the pull that follows may apply these very products (`kept`), as read.
        product = replace(
            remote.product, description_html=sanitize_html(remote.product.description_html)
        )
        shown = replace(remote, product=product)
        local_known = known.get(shown.shopify_id)
        local = await local_shape(session, local_known.id) if local_known is not None else None
        change = pull_change(shown, local_known, local)
        if change is not None:
            changes.append(change)
    return changes


async def preview_report(
    session_factory: Any,
    client: ShopifyClient,
    job_id: str,
    rules: GuardRules,
    on_read: ReadProgress | None = None,
) -> tuple[PreviewReport, PreviewRead]:
    """Preview the pull into the job's preview results; its counts and the rules it breaks, and
    what it read."""
    tally = GuardTally(rules)
    pulled = await preview_pull(session_factory, client, job_id, tally, on_read)
    async with session_factory() as session:
        size = await catalog_size(session)
    held_by = tally.hits(size)
    read = pulled.read
    report = PreviewReport(
        counts=pulled.counts,
        looked_at=read.looked_at,
        catalog_size=size,
        held_by=held_by,
        source=read.source,
    )
    return report, read


async def could_be_held(session_factory: Any, rules: GuardRules) -> bool:
    """Whether a pull's preview could break a rule. With no product here linked to Shopify (a
    store's first pull) every product it reads is a create: no price moves, nothing deleted, and
    a pull's stock is not counted, so only the catalog's share is left, and that only when there
    is a catalog to take a share of. Then the pull reads Shopify once, not twice."""
    if not rules.enabled:
        return False
    async with session_factory() as session:
        linked = await session.scalar(
            select(Product.id).where(Product.shopify_product_id.is_not(None)).limit(1)
        )
        if linked is not None:
            return True
        return rules.catalog_share_percent is not None and await catalog_size(session) > 0


def report_of_preview(preview: PreviewReport) -> PullJobReport:
    source = preview.source or "pages"
    report = PullJobReport.of(PullReport(kind="preview", source=source, seen=preview.looked_at))
    report.preview = preview
    return report
