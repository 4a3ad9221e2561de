"""Import parsed products: create or update by handle, all-or-nothing unless asked to skip.

Each product is written inside a savepoint, so a bad one can be skipped without touching the
others; whether anything stays is decided once at the end (dry run or an aborting error: roll the
whole transaction back).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import false, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.exceptions import AppError, Unprocessable
from product_dashboard.export.formats import catalog_product_cells, catalog_variant_cells
from product_dashboard.importer.parse import (
    DEFAULT_OPTION,
    DEFAULT_TITLE,
    ParsedProduct,
    RowError,
)
from product_dashboard.importer.results import ImportResults
from product_dashboard.models import Product, ProductVariant
from product_dashboard.product import service as product_service
from product_dashboard.product.repository import ProductRepository
from product_dashboard.product.schemas import ProductCreate, ProductUpdate
from product_dashboard.product.serialize import audit_snapshot
from product_dashboard.product.service import variant_as_input

OnError = Literal["abort", "skip"]
Outcome = Literal["created", "updated", "unchanged", "failed"]
MAX_ERRORS = 1_000
MAX_RESULTS = 10_000
CHUNK = 250
"""Products read ahead of the writes: their handles looked up and their shapes (before and
after) read together."""

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
        }


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
) -> tuple[Outcome, int, str]:
    """What happened, to which product (`existing`: the one holding its handle; `loaded`: it as
    `product_service.get` reads it, when read already; `free`: no product, deleted or not,
    holds the handle), and why; raises ValidationError or AppError."""
    payload = parsed.payload
    if existing is None:
        if "title" not in payload:
            raise Unprocessable(
                "a new product needs a title on its first row",
                fields=[{"loc": ["title"], "msg": "a new product needs a title on its first row"}],
            )
        for variant in payload.get("variants", []):
            variant.pop("id", None)  # ids of another catalog (or of deleted products)
        created = await product_service.create(
            session,
            ProductCreate.model_validate(payload),
            actor,
            free=(parsed.handle,) if free else (),
        )
        return "created", created, "no product had this handle"
    product = loaded or await product_service.get(session, existing)
    payload = _as_stored(payload, product)
    version = product.version
    before = audit_snapshot(product)
    after_product = await product_service.update(
        session, existing, ProductUpdate.model_validate(payload), actor, loaded=product
    )
    if after_product.version == version:
        return "unchanged", existing, "the catalog already holds every value of these rows"
    after = audit_snapshot(after_product)
    changed = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    return "updated", existing, "changed: " + ", ".join(changed)


def _as_stored(payload: dict[str, Any], product: Product) -> dict[str, Any]:
    """The rows' product in the terms the catalog holds it, so equal content is no change.

    A variant id from our own export keeps the variant (and its Shopify id) when it belongs to
    this product; an id of another product or catalog is dropped and the variant matched by its
    option values. Shopify's "Title: Default Title" stand-in for no options, which the importer
    reads as no options, stays as the catalog holds it. A description equal to the stored
    text is left alone (not sanitised again: the catalog may hold HTML written elsewhere).
    """
    payload = {**payload}
    if payload.get("description_html") == product.description_html:
        del payload["description_html"]
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
    if stand_in and payload.get("options") == [] and len(variants) == 1:
        payload["options"] = [{"name": DEFAULT_OPTION}]
        variants = [{**variants[0], "option_values": [DEFAULT_TITLE]}]
    if "variants" in payload:
        payload["variants"] = [_unkept(variant, product) for variant in variants]
    payload["extra_columns"] = _redundant_dropped(
        payload.get("extra_columns"), product.extra_columns, catalog_product_cells(product)
    )
    return payload


def _unkept(variant: dict[str, Any], product: Product) -> dict[str, Any]:
    """The variant's kept cells without those its stored self already says (a Shopify export
    of the catalog re-imported keeps nothing new), and its stored fields whose columns the file
    lacks."""
    stored = _stored_variant(variant, product)
    if stored is None:
        return variant
    images = {image.id: image.src for image in product.images}
    cells = catalog_variant_cells(stored, images)
    kept = _redundant_dropped(variant.get("extra_columns"), stored.extra_columns, cells)
    # A column the file lacks says nothing: the stored value stays.
    stored_fields = variant_as_input(stored, images).model_dump(
        exclude={"id", "option_values", "extra_columns"}
    )
    return {**stored_fields, **variant, "extra_columns": kept}


def _stored_variant(variant: dict[str, Any], product: Product) -> ProductVariant | None:
    for stored in product.variants:
        if stored.id == variant.get("id") or stored.option_values == variant.get("option_values"):
            return stored
    return None


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


async def _open_transaction(session: AsyncSession) -> None:
    """Make sure a real transaction is open before the first SAVEPOINT.

    Python's sqlite3 driver only emits BEGIN before a DML statement; a SAVEPOINT issued first
    would itself be the outermost transaction, and releasing it would commit (so a dry run would
    write). A no-op UPDATE makes the driver begin.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(Product)
            .where(false())
            .values(id=Product.id)
            .execution_options(synchronize_session=False)
        )


async def run_import(
    session: AsyncSession,
    products: Iterable[ParsedProduct],
    actor: Actor,
    *,
    dry_run: bool,
    on_error: OnError,
    progress: Progress = _no_progress,
    recorder: ImportResults | None = None,
) -> ImportReport:
    """Write in the caller's transaction; roll it back when nothing may stay. `recorder` notes
    each product's fields before and after (the job's results, or a dry run's preview)."""
    report = ImportReport(dry_run=dry_run, on_error=on_error)
    await _open_transaction(session)
    parsed_products = iter(products)
    while chunk := list(islice(parsed_products, CHUNK)):
        go_on = await _import_chunk(session, chunk, actor, report, progress, recorder)
        if recorder is not None:
            await recorder.flush(session)
        session.expunge_all()  # keep memory flat on big files; everything is flushed
        if not go_on:
            break
    keep = not dry_run and (report.failed == 0 or on_error == "skip")
    if keep:
        report.committed = True
    else:
        await session.rollback()
    return report


async def _import_chunk(
    session: AsyncSession,
    chunk: list[ParsedProduct],
    actor: Actor,
    report: ImportReport,
    progress: Progress,
    recorder: ImportResults | None,
) -> bool:
    """Import these products, each in its savepoint; False once an abort must stop the run.

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
    written: set[str] = set()
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
                        session, parsed, existing, loaded, fresh and parsed.handle in free, actor
                    )
            except ValidationError as exc:
                errors = _validation_errors(parsed, exc)
            except AppError as exc:
                errors = _app_errors(parsed, exc)
            else:
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
            return False
    return True
