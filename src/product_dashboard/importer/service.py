"""Import parsed products: create or update by handle, all-or-nothing unless asked to skip.

Each product is written inside a savepoint, so a bad one can be skipped without touching the
others; whether anything stays is decided once at the end (dry run or an aborting error: roll the
whole transaction back).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import false, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.exceptions import AppError, Unprocessable
from product_dashboard.importer.parse import ParsedProduct, RowError
from product_dashboard.importer.results import ImportResults
from product_dashboard.models import Product
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductCreate, ProductUpdate

OnError = Literal["abort", "skip"]
MAX_ERRORS = 1_000

Progress = Callable[["ImportReport"], Awaitable[None]]


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
    return await session.scalar(
        select(Product.id).where(Product.handle == handle, Product.deleted_at.is_(None))
    )


async def _write_one(session: AsyncSession, parsed: ParsedProduct, actor: Actor) -> tuple[str, int]:
    """('created', 'updated' or 'unchanged', the product's id); raises ValidationError or
    AppError."""
    existing = await _existing_id(session, parsed.handle)
    if existing is None:
        if "title" not in parsed.payload:
            raise Unprocessable(
                "a new product needs a title on its first row",
                fields=[{"loc": ["title"], "msg": "a new product needs a title on its first row"}],
            )
        created = await product_service.create(
            session, ProductCreate.model_validate(parsed.payload), actor
        )
        return "created", created.id
    update = ProductUpdate.model_validate(parsed.payload)
    before = await product_service.get(session, existing)
    version = before.version
    after = await product_service.update(session, existing, update, actor)
    return ("updated" if after.version != version else "unchanged"), existing


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
    for parsed in products:
        report.products += 1
        errors = list(parsed.errors)
        outcome = None
        if not errors:
            try:
                async with session.begin_nested():
                    before = await recorder.before(session, parsed.handle) if recorder else None
                    outcome, product_id = await _write_one(session, parsed, actor)
                    if recorder is not None and outcome != "unchanged":
                        await recorder.record(session, product_id, before, row=parsed.first_row)
            except ValidationError as exc:
                errors = _validation_errors(parsed, exc)
            except AppError as exc:
                errors = _app_errors(parsed, exc)
        if errors:
            report.failed += 1
            report.add_errors(errors)
        elif outcome == "created":
            report.created += 1
        elif outcome == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
        session.expunge_all()  # keep memory flat on big files; everything is flushed
        await progress(report)
        if report.errors_truncated and on_error == "abort":
            break
    keep = not dry_run and (report.failed == 0 or on_error == "skip")
    if keep:
        report.committed = True
    else:
        await session.rollback()
    return report
