"""The export job: write the selection to a file under `data_dir/exports/`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from product_dashboard.batch.engine import where_for
from product_dashboard.export import source
from product_dashboard.export.formats import CONTENT_TYPES, EXTENSIONS, ExportFormat
from product_dashboard.export.source import ProductRecord
from product_dashboard.export.writers import Chunks, write_file
from product_dashboard.job import JobRunner
from product_dashboard.job.typed import JobModel, JobType, NoCheckpoint, TypedJob
from product_dashboard.kit.files import make_private_dir
from product_dashboard.kit.time import utcnow
from product_dashboard.models import ResultAction, ResultStage
from product_dashboard.safety import results
from product_dashboard.safety.results import ProductChange


class ExportParams(JobModel):
    format: ExportFormat
    selection: dict[str, Any]
    """A batch selection, as `batch.schemas.Selection.to_json` writes it."""
    protect_formulas: bool = True
    """Jobs stored before the option existed protect, as the default does."""


class ExportReport(JobModel):
    """The finished file; while the job runs, only `rows` (written so far)."""

    format: ExportFormat | None = None
    path: str | None = None
    filename: str | None = None
    content_type: str | None = None
    products: int | None = None
    rows: int = 0
    bytes: int | None = None
    download_url: str | None = None


EXPORT_JOB = JobType("product.export", ExportParams, NoCheckpoint, ExportReport)
ExportJob = TypedJob[ExportParams, NoCheckpoint, ExportReport]


def export_dir(data_dir: Path) -> Path:
    return make_private_dir(data_dir / "exports")


def filename(format: str, stamp: str) -> str:
    suffix = "-shopify" if format == "shopify_csv" else ""
    return f"products-{stamp}{suffix}.{EXTENSIONS[format]}"


async def recorded(job: ExportJob, chunks: Chunks) -> AsyncIterator[list[ProductRecord]]:
    """The chunks, each recorded as exported (one results row per product) once written."""
    async for chunk in chunks:
        yield chunk
        rows = [
            ProductChange(
                action=ResultAction.exported,
                product_id=record.id,
                handle=record.handle,
                shopify_product_id=record.shopify_product_id,
            )
            for record in chunk
        ]
        async with job.session() as session:
            await results.write(session, job.job_id, ResultStage.done, rows)


def make_handler(data_dir: Path) -> Callable[[ExportJob], Awaitable[ExportReport]]:
    async def run_export(job: ExportJob) -> ExportReport:
        format = job.params.format
        path = export_dir(data_dir) / f"{job.job_id}.{EXTENSIONS[format]}"
        async with job.session() as session:
            where = await where_for(session, job.params.selection)
            total = await source.count(session, where)
            extra = await source.extra_headers(session, where) if format == "shopify_csv" else []
            locations = await source.locations(session)
        await job.progress(total=total, done=0)
        written = job.report = job.report or ExportReport()

        async def progress(products: int, rows: int) -> None:
            written.rows = rows
            await job.progress(done=products)
            await job.check_stop()

        partial = path.with_suffix(path.suffix + ".part")
        async with job.session() as session:  # a retried job writes its rows again
            await results.clear(session, job.job_id, ResultStage.done)
        try:
            await write_file(
                format,
                partial,
                recorded(job, source.products(job.session, where)),
                progress,
                protect_formulas=job.params.protect_formulas,
                extra_headers=extra,
                locations=locations,
            )
        except BaseException:
            partial.unlink(missing_ok=True)
            async with job.session() as session:  # no file: nothing was exported
                await results.clear(session, job.job_id, ResultStage.done)
            raise
        partial.replace(path)
        return ExportReport(
            format=format,
            path=str(path),
            filename=filename(format, utcnow().strftime("%Y%m%d-%H%M%S")),
            content_type=CONTENT_TYPES[format],
            products=job.counters.done,
            rows=written.rows,
            bytes=path.stat().st_size,
            download_url=f"/api/exports/{job.job_id}/download",
        )

    return run_export


def register(runner: JobRunner, data_dir: Path) -> None:
    EXPORT_JOB.register(runner, make_handler(data_dir), concurrency=2, writes=True)
