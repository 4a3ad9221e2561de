"""The import job: a thin layer that opens the uploaded file and runs the import."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from product_dashboard.audit.service import Actor
from product_dashboard.importer.parse import NotACatalogCsv, ParsedProduct, read
from product_dashboard.importer.service import ImportReport, run_import
from product_dashboard.job import JobContext, JobRunner
from product_dashboard.models import AuditSource

IMPORT_JOB = "product.import"


def last_row(parsed: ParsedProduct) -> int:
    return max([parsed.first_row, *parsed.variant_rows])


async def run_import_job(ctx: JobContext) -> dict[str, Any]:
    path = Path(str(ctx.params["path"]))
    actor = Actor(
        source=AuditSource.import_, user_id=ctx.params.get("user_id"), email=ctx.params.get("email")
    )
    await ctx.progress(total=int(ctx.params.get("records", 0)), done=0)
    rows_done = 0

    def tracked(products: Any) -> Any:
        nonlocal rows_done
        for parsed in products:
            yield parsed
            rows_done = last_row(parsed) - 1

    async def progress(report: ImportReport) -> None:
        await ctx.progress(done=rows_done, failed=report.failed)

    try:
        stream = await asyncio.to_thread(path.open, encoding="utf-8-sig", newline="")
        with stream:
            async with ctx.session() as session:
                report = await run_import(
                    session,
                    tracked(read(stream)),
                    actor,
                    dry_run=bool(ctx.params.get("dry_run")),
                    on_error=ctx.params.get("on_error", "abort"),
                    progress=progress,
                )
    except (NotACatalogCsv, UnicodeDecodeError) as exc:
        raise ValueError(f"The file cannot be imported: {exc}") from exc
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return {"filename": ctx.params.get("filename"), **report.as_dict()}


def register(runner: JobRunner) -> None:
    runner.register(IMPORT_JOB, run_import_job, concurrency=1)
