"""The import job: a thin layer that opens the uploaded file and runs the import."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from product_dashboard.audit.service import Actor
from product_dashboard.importer.parse import NotACatalogCsv, open_rows, read_rows
from product_dashboard.importer.results import ImportResults
from product_dashboard.importer.service import ImportReport, OnError, run_import
from product_dashboard.job import JobRunner
from product_dashboard.job.typed import JobModel, JobType, NoCheckpoint, TypedJob
from product_dashboard.models import AuditSource
from product_dashboard.safety.results import ChangeCounts


class ImportJobParams(JobModel):
    path: str
    """The uploaded file (deleted once the job ends)."""
    filename: str | None = None
    records: int = 0
    dry_run: bool = False
    on_error: OnError = "abort"
    user_id: int | None = None
    email: str | None = None


class ImportJobReport(JobModel):
    filename: str | None
    dry_run: bool
    on_error: str
    products: int
    created: int
    updated: int
    unchanged: int
    failed: int
    committed: bool
    errors: list[dict[str, Any]]
    errors_truncated: bool
    changes: ChangeCounts | None = None
    """Products per action and changes per field (a dry run's: what the import would change)."""
    preview_left_out: int = 0
    """A dry run's products counted but left out of its preview rows (past MAX_PREVIEW_ROWS)."""
    results: list[dict[str, Any]] = []
    results_truncated: bool = False


IMPORT_JOB = JobType("product.import", ImportJobParams, NoCheckpoint, ImportJobReport)
ImportJob = TypedJob[ImportJobParams, NoCheckpoint, ImportJobReport]


async def run_import_job(job: ImportJob) -> ImportJobReport:
    params = job.params
    path = Path(params.path)
    actor = Actor(source=AuditSource.import_, user_id=params.user_id, email=params.email)
    await job.progress(total=params.records, done=0)

    async def progress(report: ImportReport) -> None:
        await job.progress(done=report.last_row - 1, failed=report.failed)

    recorder = ImportResults(job.job_id, dry_run=params.dry_run)
    try:
        with open_rows(path) as rows:
            async with job.session() as session:
                report = await run_import(
                    session,
                    read_rows(rows),
                    actor,
                    dry_run=params.dry_run,
                    on_error=params.on_error,
                    progress=progress,
                    recorder=recorder,
                )
    except (NotACatalogCsv, UnicodeDecodeError) as exc:
        raise ValueError(f"The file cannot be imported: {exc}") from exc
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    if params.dry_run:
        async with job.session() as session:
            await recorder.write_preview(session)
    done = ImportJobReport(filename=params.filename, **report.as_dict())
    if report.dry_run or report.committed:
        done.changes = recorder.counts
    if recorder.left_out:
        done.preview_left_out = recorder.left_out
    return done


def register(runner: JobRunner) -> None:
    IMPORT_JOB.register(runner, run_import_job, concurrency=1, writes=True)
