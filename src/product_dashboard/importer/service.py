"""Import parsed products: create or update by handle, all-or-nothing unless asked to skip.

The file is written in chunks (`CHUNK` products or `CHUNK_ROWS` rows), each in a transaction of
its own, so no import holds the database (SQLite's one write lock, PostgreSQL's row locks on the
products it wrote) for longer than a chunk; between chunks it lets a waiting writer go first.
Each product is written inside a savepoint, so a bad one can be skipped without touching the
others. `on_error="abort"` checks every chunk first (rolled back, as a dry run) and commits only
a file without errors (see `run_import`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, fields, replace
from itertools import chain, islice
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import delete, false, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.db import SessionFactory
from product_dashboard.exceptions import AppError, Conflict, Unprocessable
from product_dashboard.export.formats import catalog_product_cells, catalog_variant_cells
from product_dashboard.importer.parse import (
    DEFAULT_OPTION,
    DEFAULT_TITLE,
    ParsedProduct,
    RowError,
)
from product_dashboard.importer.results import ImportResults
from product_dashboard.importer.stock import (
    ImportLocations,
    import_locations,
    plan,
    stored_levels,
)
from product_dashboard.models import JobResult, Product
from product_dashboard.product import service as product_service
from product_dashboard.product.repository import ProductRepository
from product_dashboard.product.schemas import ProductCreate, ProductUpdate
from product_dashboard.product.serialize import audit_snapshot
from product_dashboard.product.service import variant_as_input
from product_dashboard.product.stock import write_levels
from product_dashboard.product.stored_variants import StoredVariants
from product_dashboard.safety.restore import NotRestored
from product_dashboard.sync.undo import done_rows_newest_first, take_back

OnError = Literal["abort", "skip"]
Outcome = Literal["created", "updated", "unchanged", "failed"]
MAX_ERRORS = 1_000
MAX_RESULTS = 10_000
CHUNK = 250
"""Products read ahead of the writes (their handles looked up and their shapes before and after
read together), and written and committed together."""
MAX_NOT_REVERTED = 1_000
CHUNK_ROWS = 1_000
"""A chunk ends sooner at this many rows of the file (products of many variants): ~5 s of
holding the write lock on a slow hour."""
TURN_SECONDS = 0.15
"""SQLite: the pause between chunks, with no transaction open (see `_take_turns`)."""
LOCK_ATTEMPTS = 6
"""SQLite: busy timeouts a chunk waits out for the write lock before the import fails."""

Progress = Callable[["ImportReport"], Awaitable[None]]


@dataclass
class RowResult:
    """What became of one product of the file: its rows, its handle, what happened and why."""

    row: int
    last_row: int
    handle: str
    outcome: Outcome
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "last_row": self.last_row,
            "handle": self.handle,
            "outcome": self.outcome,
            "reason": self.reason,
        }


@dataclass
class ImportReport:
    dry_run: bool
    on_error: OnError
    products: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    committed: bool = False
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False
    results: list[RowResult] = field(default_factory=list)
    results_truncated: bool = False
    last_row: int = 0
    """The file's last row read so far (of the product last imported)."""
    revert: dict[str, Any] | None = None
    """Abort mode, a product failing in the commit pass: what was taken back, and what not."""
    checking: bool = False
    """The abort mode's check pass (every chunk rolled back) is running."""
    checked_rows: int = 0
    """The file's last row the check pass read (0: no check pass)."""
    between_chunks: bool = False
    """True while `progress` is told of a chunk that has ended (committed or rolled back)."""

    def mark(self) -> ImportReport:
        """The report as it is, for `restore` once a chunk's transaction is rolled back."""
        return replace(self, errors=list(self.errors), results=list(self.results))

    def restore(self, mark: ImportReport) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(mark, name))

    def add_result(self, result: RowResult) -> None:
        if len(self.results) >= MAX_RESULTS:
            self.results_truncated = True
            return
        self.results.append(result)

    def add_errors(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            if len(self.errors) >= MAX_ERRORS:
                self.errors_truncated = True
                return
            self.errors.append(error)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "on_error": self.on_error,
            "products": self.products,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "committed": self.committed,
            "errors": [e.as_dict() for e in self.errors],
            "errors_truncated": self.errors_truncated,
            "results": [r.as_dict() for r in self.results],
            "results_truncated": self.results_truncated,
        } | ({} if self.revert is None else {"revert": self.revert})


async def _no_progress(report: ImportReport) -> None:
    return None


def _validation_errors(parsed: ParsedProduct, exc: ValidationError) -> list[RowError]:
    return [
        RowError(
            parsed.row_for(list(e["loc"])),
            parsed.handle,
            ".".join(str(p) for p in e["loc"]),
            e["msg"],
        )
        for e in exc.errors()
    ]


def _app_errors(parsed: ParsedProduct, exc: AppError) -> list[RowError]:
    if not exc.fields:
        return [RowError(parsed.first_row, parsed.handle, None, exc.detail)]
    errors = []
    for item in exc.fields:
        loc = [p for p in item.get("loc", []) if p != "body"]
        errors.append(
            RowError(
                parsed.row_for(loc),
                parsed.handle,
                ".".join(str(p) for p in loc) or None,
                str(item.get("msg", exc.detail)),
            )
        )
    return errors


async def _existing_id(session: AsyncSession, handle: str) -> int | None:
    product_id, deleted = (await _holders(session, {handle})).get(handle, (None, True))
    return None if deleted else product_id


async def _holders(session: AsyncSession, handles: Collection[str]) -> dict[str, tuple[int, bool]]:
    """The products that hold these handles, by handle: (id, whether deleted)."""
    if not handles:
        return {}
    rows = await session.execute(
        select(Product.handle, Product.id, Product.deleted_at.is_not(None)).where(
            Product.handle.in_(handles)
        )
    )
    return {handle: (product_id, bool(deleted)) for handle, product_id, deleted in rows}


async def _write_one(
    session: AsyncSession,
    parsed: ParsedProduct,
    existing: int | None,
    loaded: Product | None,
    free: bool,
    actor: Actor,
    locations: ImportLocations | None,
    levels_held: Mapping[int, dict[int, int | None]] | None = None,
) -> tuple[Outcome, int, str]:
    """What happened, to which product (`existing`: the one holding its handle; `loaded`: it as
    `product_service.get` reads it, when read already; `free`: no product, deleted or not,
    holds the handle; `locations`: what its `available at …` cells may name, None when it has
    none; `levels_held`: the stored product's levels, when read already), and why; raises
    ValidationError or AppError."""
    payload = parsed.payload
    cells = parsed.variant_levels if locations is not None else []
    given = payload.get("variants", [])
    if existing is None:
        if "title" not in payload:
            raise Unprocessable(
                "a new product needs a title on its first row",
                fields=[{"loc": ["title"], "msg": "a new product needs a title on its first row"}],
            )
        # Ids of another catalog (or of deleted products) dropped.
        variants = [{k: v for k, v in variant.items() if k != "id"} for variant in given]
        payload = {**payload, "variants": variants} if "variants" in payload else payload
        levels = await plan(session, cells, given, variants, None, locations)
        created = await product_service.create(
            session,
            ProductCreate.model_validate(payload),
            actor,
            free=(parsed.handle,) if free else (),
        )
        if levels.by_index:
            new = await product_service.get(session, created)
            await write_levels(session, new, levels.wanted(new, variants), actor)
        return "created", created, "no product had this handle"
    product = loaded or await product_service.get(session, existing)
    if "options" in payload and parsed.option_columns < len(product.options):
        message = (
            f"the file has no Option{parsed.option_columns + 1} Name and Value columns and this "
            f"product has {len(product.options)} options: its rows cannot say which variant "
            "they are (add the columns, or leave out every option column)"
        )
        raise Unprocessable(message, fields=[{"loc": ["options"], "msg": message}])
    payload = _as_stored(payload, product)
    written: list[dict[str, Any]] = payload.get("variants", [])
    levels = await plan(session, cells, given, written, product, locations, levels_held)
    version = product.version
    before = audit_snapshot(product)
    after_product = await product_service.update(
        session, existing, ProductUpdate.model_validate(payload), actor, loaded=product
    )
    stock = False
    if levels.by_index:
        await session.flush()  # new variants get their ids
        wanted = levels.wanted(after_product, written)
        stock = await write_levels(session, after_product, wanted, actor)
    if after_product.version == version:
        return "unchanged", existing, "the catalog already holds every value of these rows"
    after = audit_snapshot(after_product)
    changed = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    return "updated", existing, "changed: " + ", ".join([*changed, *(["stock"] if stock else [])])


def _as_stored(payload: dict[str, Any], product: Product) -> dict[str, Any]:
    """The rows' product in the terms the catalog holds it, so equal content is no change.

    A variant id from our own export keeps the variant (and its Shopify id) when it belongs to
    this product; an id of another product or catalog is dropped and the variant matched by its
    option values. Shopify's "Title: Default Title" stand-in for no options, which the importer
    reads as no options, stays as the catalog holds it. A description equal to the stored
    text is left alone (not sanitised again: the catalog may hold HTML written elsewhere), and
    so is a category named as the stored one (Shopify's CSV names it: its taxonomy id stays).
    """
    payload = {**payload}
    if payload.get("description_html") == product.description_html:
        del payload["description_html"]
    category = payload.get("category")
    if category and category["id"] is None and category["name"] == product.category_name:
        del payload["category"]  # the same category by name (Shopify's CSV): its id stays
    stored_images = [{"src": i.src, "alt": i.alt} for i in product.images]
    if payload.get("images") == stored_images:
        del payload["images"]  # the same images: keep their rows (and Shopify media ids)
    ours = {v.id for v in product.variants}
    variants = [
        {k: v for k, v in variant.items() if k != "id" or v in ours}
        for variant in payload.get("variants", [])
    ]
    stand_in = [(o.name, list(o.values)) for o in product.options] == [
        (DEFAULT_OPTION, [DEFAULT_TITLE])
    ]
    if stand_in and payload.get("options", []) == [] and len(variants) == 1:
        payload["options"] = [{"name": DEFAULT_OPTION}]
        variants = [{**variants[0], "option_values": [DEFAULT_TITLE]}]
    if "variants" in payload:
        stored = StoredVariants.of(product)
        payload["variants"] = [_unkept(variant, stored) for variant in variants]
    payload["extra_columns"] = _redundant_dropped(
        payload.get("extra_columns"), product.extra_columns, catalog_product_cells(product)
    )
    return payload


def _unkept(variant: dict[str, Any], product: StoredVariants) -> dict[str, Any]:
    """The variant's kept cells without those its stored self already says (a Shopify export
    of the catalog re-imported keeps nothing new), and its stored fields whose columns the file
    lacks."""
    stored = product.matching(variant.get("id"), variant.get("option_values") or ())
    if stored is None:
        return variant
    cells = catalog_variant_cells(stored, product.images)
    kept = _redundant_dropped(variant.get("extra_columns"), stored.extra_columns, cells)
    # A column the file lacks says nothing: the stored value stays.
    stored_fields = variant_as_input(stored, product.images).model_dump(
        exclude={"id", "option_values", "extra_columns"}
    )
    return {**stored_fields, **variant, "extra_columns": kept}


def _redundant_dropped(
    given: dict[str, str] | None, kept: dict[str, str] | None, catalog: dict[str, str]
) -> dict[str, str] | None:
    if given is None:
        return None
    return {
        key: value
        for key, value in given.items()
        if key in (kept or {}) or catalog.get(key, "") != value
    }


async def _locations_for(
    session: AsyncSession, products: Iterable[ParsedProduct]
) -> ImportLocations | None:
    """The locations `available at …` cells may name, read when one of these products has one."""
    if any(any(p.variant_levels) for p in products):
        return await import_locations(session)
    return None


def _chunks(products: Iterable[ParsedProduct]) -> Iterator[list[ParsedProduct]]:
    """The products in chunks of at most CHUNK products or CHUNK_ROWS rows of the file."""
    chunk: list[ParsedProduct] = []
    rows = 0
    for parsed in products:
        chunk.append(parsed)
        rows += parsed.last_row - parsed.first_row + 1
        if len(chunk) >= CHUNK or rows >= CHUNK_ROWS:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


async def _begin(session: AsyncSession) -> None:
    """Open the chunk's transaction. On SQLite, take the write lock now (a no-op UPDATE makes
    the driver begin; a SAVEPOINT sent first would itself be the outermost transaction, and
    releasing it would commit), so the chunk's reads see what its writes will change; tried
    again while another writer keeps the lock past the busy timeout (nothing is written yet)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            await session.execute(
                update(Product)
                .where(false())
                .values(id=Product.id)
                .execution_options(synchronize_session=False)
            )
            return
        except OperationalError as exc:
            if attempt == LOCK_ATTEMPTS or "locked" not in str(exc.orig):
                raise
            await session.rollback()


async def _take_turns(session: AsyncSession) -> None:
    """Between chunks, with no transaction open. On SQLite a writer waiting for the lock polls
    it from SQLite's busy handler, sleeping up to 100 ms between tries: the import waits longer
    than that before it takes the lock again, so the waiting writer gets it first."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    await asyncio.sleep(TURN_SECONDS if sqlite else 0)


@dataclass
class _Pass:
    """One run over the file, chunk by chunk, each chunk in a transaction of its own, committed
    at its end when `keep` says so and rolled back otherwise."""

    sessions: SessionFactory
    products: Iterable[ParsedProduct]
    actor: Actor
    report: ImportReport
    progress: Progress
    recorder: ImportResults | None = None
    commit_pass: bool = False
    """The abort mode's commit pass: it stops at the first product failing (its chunk rolled
    back, the chunks before taken back)."""
    written_at: dict[str, list[int]] = field(default_factory=dict)
    """In a pass whose chunks are rolled back: the positions (in the file) of the products
    written, by handle, so a handle met again in a later chunk sees its earlier writes."""
    committed_products: int = 0
    committed_rows: int = 0
    """The products of the chunks committed so far, and the last row of the last one."""

    def keep(self) -> bool:
        report = self.report
        if report.dry_run or report.checking:
            return False
        return report.on_error == "skip" or report.failed == 0

    async def run(self, chunks: Iterable[list[ParsedProduct]]) -> None:
        position = 0
        for chunk in chunks:
            written, kept = await self._write(chunk)
            if not kept:
                for offset, parsed in enumerate(chunk):
                    if parsed.handle in written:
                        self.written_at.setdefault(parsed.handle, []).append(position + offset)
            position += len(chunk)
            self.report.between_chunks = True
            try:
                await self.progress(self.report)
            finally:
                self.report.between_chunks = False
            if self.report.errors_truncated and self.report.on_error == "abort":
                return
            if self.commit_pass and not kept:
                return  # the commit pass met a failure: nothing after it is written

    async def _write(self, chunk: list[ParsedProduct]) -> tuple[set[str], bool]:
        """Write the chunk in a transaction of its own, committed or rolled back: the handles
        written, and whether it was kept. The commit pass writes it again, once, when another
        writer changed one of its products between the chunk's read and its write (PostgreSQL:
        the chunk reads its products before it locks them; SQLite's chunk takes the lock first);
        the second time such a product fails (and the import is taken back)."""
        for retry in (self.commit_pass, False):
            mark = self.report.mark()
            counted = self.recorder.mark() if self.recorder is not None else None
            async with self.sessions() as session:
                await _begin(session)
                if self.report.dry_run or self.report.checking:
                    await self._replay(session, chunk)
                try:
                    written = await _import_chunk(
                        session,
                        chunk,
                        self.actor,
                        self.report,
                        self.progress,
                        self.recorder,
                        self.commit_pass,
                        retry_raced=retry,
                    )
                except _Raced:
                    await session.rollback()
                    self.report.restore(mark)
                    if self.recorder is not None and counted is not None:
                        self.recorder.rolled_back(counted)
                    continue
                if self.recorder is not None:
                    await self.recorder.flush(session)
                kept = self.keep()
                if kept:
                    await session.commit()
                    self.committed_products = self.report.products
                    self.committed_rows = self.report.last_row
                else:
                    await session.rollback()
                await _take_turns(session)
                return written, kept
        raise AssertionError("the second try does not retry")

    async def _replay(self, session: AsyncSession, chunk: list[ParsedProduct]) -> None:
        """A rolled-back pass: write again, unreported, what earlier chunks wrote of the handles
        this chunk holds, as one transaction would still hold it."""
        again = {p.handle for p in chunk if not p.errors} & self.written_at.keys()
        if not again:
            return
        wanted = {position for handle in again for position in self.written_at[handle]}
        earlier = [p for n, p in enumerate(islice(self.products, max(wanted) + 1)) if n in wanted]
        locations = await _locations_for(session, earlier)
        for parsed in earlier:
            existing = await _existing_id(session, parsed.handle)
            with suppress(ValidationError, AppError):
                async with session.begin_nested():
                    await _write_one(session, parsed, existing, None, False, self.actor, locations)
        session.expunge_all()


def _peeked(
    products: Iterable[ParsedProduct], chunked: bool
) -> tuple[Iterator[list[ParsedProduct]], bool]:
    """The products' chunks (all of them one, unless `chunked`), and whether there is more than
    one (the first two read ahead)."""
    chunks = _chunks(products) if chunked else iter([list(products)])
    first = list(islice(chunks, 2))
    return chain(first, chunks), len(first) > 1


async def run_import(
    sessions: SessionFactory,
    products: Iterable[ParsedProduct],
    actor: Actor,
    *,
    dry_run: bool,
    on_error: OnError,
    progress: Progress = _no_progress,
    recorder: ImportResults | None = None,
    chunked: bool = True,
) -> ImportReport:
    """Import chunk by chunk, each chunk in a session of its own from `sessions` (committed or
    rolled back here). `products` is read again for a second pass: a list, or an `ImportFile`,
    never an iterator. `recorder` notes each product's fields before and after (the job's
    results, or a dry run's preview).

    - A file of one chunk is one transaction, as it always was; `chunked=False` makes the whole
      file one chunk (an import answered in the request: at most SYNC_LIMIT rows).
    - `dry_run`: every chunk rolled back.
    - `on_error="skip"`: every chunk committed, its bad products left out.
    - `on_error="abort"`: a check pass first (the dry run, without the recorder); nothing is
      written if any product fails. Then the commit pass; a product failing there (the catalog
      changed between the passes) rolls its chunk back and the chunks before it are taken back
      from the job's results rows (`_revert`): a chunked abort import needs the job's recorder.
      The report says what could not be.
    """
    if iter(products) is products:
        raise TypeError("run_import reads the products twice: give a list or an ImportFile")
    report = ImportReport(dry_run=dry_run, on_error=on_error)
    chunks, several = _peeked(products, chunked)
    if dry_run or on_error == "skip" or not several:
        single = _Pass(sessions, products, actor, report, progress, recorder)
        await _interrupted_said(single, single.run(chunks))
        report.committed = not dry_run and (on_error == "skip" or report.failed == 0)
        return report
    job_id = None if recorder is None or recorder.dry_run else recorder.job_id
    if job_id is None:
        raise TypeError("a chunked abort import is taken back from its job's results: give them")
    checked = ImportReport(dry_run=False, on_error=on_error, checking=True)
    await _Pass(sessions, products, actor, checked, progress).run(chunks)
    if checked.failed:
        checked.checking = False
        return checked
    report.checked_rows = checked.last_row
    commit = _Pass(sessions, products, actor, report, progress, recorder, commit_pass=True)
    await _interrupted_said(commit, commit.run(_chunks(products)))
    if report.failed == 0:
        report.committed = True
        return report
    try:
        await _revert(sessions, job_id, actor, report)
    except Exception as exc:
        raise ImportInterrupted(
            f"The import stopped at row {report.last_row} (a product failed as the file was "
            f"committed), and taking back the {commit.committed_products} product(s) it had "
            f"committed failed part-way ({type(exc).__name__}: {exc}): some of them stay imported"
        ) from exc
    return report


class _Raced(Exception):
    """A product of the chunk was changed by another writer between the chunk's read and its
    write (a version conflict)."""


class ImportInterrupted(Exception):
    """The import stopped on an error after committing some of its chunks: they stay."""


async def _interrupted_said(run: _Pass, running: Awaitable[None]) -> None:
    """`running`, an error after a chunk was committed said as such: what stays, what not."""
    try:
        await running
    except Exception as exc:
        if not run.committed_products:
            raise
        raise ImportInterrupted(
            f"The import stopped after it had committed its first {run.committed_products} "
            f"product(s) (up to row {run.committed_rows}): they stay imported, the rest of the "
            f"file was not ({type(exc).__name__}: {exc})"
        ) from exc


async def _revert(
    sessions: SessionFactory, job_id: str, actor: Actor, report: ImportReport
) -> None:
    """Take back what the commit pass committed, from the job's results rows (written with each
    chunk), newest first, a chunk's worth at a time, through the undo's `take_back`: updated
    products three-way, created ones deleted when unchanged since. The rows of the products taken
    back go; what stays is in `report.revert`."""
    not_reverted: list[dict[str, Any]] = []
    reverted = 0
    below: int | None = None
    left: dict[int, tuple[JobResult, list[str]]] = {}
    """The batch's products not taken back: a row of theirs, and why."""

    def unrestored(row: JobResult, place: NotRestored) -> None:
        why = place.reason if place.path == "(product)" else f"{place.path}: {place.reason}"
        left.setdefault(row.product_id or 0, (row, []))[1].append(why)

    while True:
        async with sessions() as session:
            await _begin(session)
            rows = await done_rows_newest_first(session, job_id, below, CHUNK)
            if not rows:
                break
            below = rows[-1].id
            left.clear()
            await take_back(
                session,
                rows,
                "product.import",
                apply=True,
                actor=actor,
                unrestored=unrestored,
                delete_created=True,
            )
            back = {row.product_id for row in rows if row.product_id is not None} - left.keys()
            if back:
                # These rows only: a product's older row, in a later page, is still to come.
                taken = [row.id for row in rows if row.product_id in back]
                await session.execute(delete(JobResult).where(JobResult.id.in_(taken)))
            await session.commit()
            await _take_turns(session)
        reverted += len(back)
        not_reverted += [
            {
                "row": row.row,
                "handle": row.handle,
                "product_id": row.product_id,
                "outcome": row.action,
                "reason": "; ".join(why),
            }
            for row, why in left.values()
        ]
    report.revert = {
        "reverted": reverted,
        "not_reverted": not_reverted[:MAX_NOT_REVERTED],
        "not_reverted_count": len(not_reverted),
    }


async def _import_chunk(
    session: AsyncSession,
    chunk: list[ParsedProduct],
    actor: Actor,
    report: ImportReport,
    progress: Progress,
    recorder: ImportResults | None,
    commit_pass: bool = False,
    *,
    retry_raced: bool = False,
) -> set[str]:
    """Import these products, each in its savepoint; the handles written (created or
    updated). Stops once an abort must stop the run. `retry_raced`: a product changed by
    another writer since the chunk read it raises `_Raced` (the chunk is to be written again).

    Their handles are looked up, and the products already here read (and their shapes), at
    once; a handle that comes again (its earlier rows were written since) is looked up and read
    on its own.
    """
    handles = {p.handle for p in chunk if not p.errors}
    holders = await _holders(session, handles)
    known = {handle: product_id for handle, (product_id, deleted) in holders.items() if not deleted}
    free = handles - holders.keys()
    befores = await recorder.befores(session, set(known.values())) if recorder else {}
    held = await ProductRepository(session).get_many(set(known.values()))
    locations = await _locations_for(session, chunk)
    levels_held = (
        None
        if locations is None
        else await stored_levels(session, [v.id for p in held.values() for v in p.variants])
    )
    written: set[str] = set()
    changed: set[str] = set()
    for parsed in chunk:
        report.products += 1
        report.last_row = parsed.last_row
        errors = list(parsed.errors)
        outcome: Outcome = "failed"
        reason = ""
        if not errors:
            # What the chunk's reads say holds only for a handle not written since.
            fresh = parsed.handle not in written
            written.add(parsed.handle)
            if fresh:
                existing = known.get(parsed.handle)
            else:
                existing = await _existing_id(session, parsed.handle)
                if recorder is not None and existing is not None:
                    befores.update(await recorder.befores(session, [existing]))
            loaded = held.get(existing) if fresh and existing is not None else None
            try:
                async with session.begin_nested():
                    outcome, product_id, reason = await _write_one(
                        session,
                        parsed,
                        existing,
                        loaded,
                        fresh and parsed.handle in free,
                        actor,
                        locations,
                        levels_held if loaded is not None else None,
                    )
            except ValidationError as exc:
                errors = _validation_errors(parsed, exc)
            except AppError as exc:
                if retry_raced and isinstance(exc, Conflict):
                    raise _Raced from exc
                errors = _app_errors(parsed, exc)
            else:
                if outcome != "unchanged":
                    changed.add(parsed.handle)
                if recorder is not None and outcome != "unchanged":
                    before = None if existing is None else befores.get(existing)
                    recorder.record(product_id, before, row=parsed.first_row)
        if errors:
            outcome = "failed"
            reason = "; ".join(
                f"row {e.row}{f' {e.field}' if e.field else ''}: {e.message}" for e in errors[:5]
            )
            report.failed += 1
            report.add_errors(errors)
        elif outcome == "created":
            report.created += 1
        elif outcome == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
        report.add_result(
            RowResult(parsed.first_row, parsed.last_row, parsed.handle, outcome, reason)
        )
        await progress(report)
        if report.errors_truncated and report.on_error == "abort":
            break
        if commit_pass and report.failed:
            break  # the commit pass: the chunk is rolled back, and the import taken back
    return changed
