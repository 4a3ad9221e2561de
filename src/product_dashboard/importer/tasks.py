"""The import job: a thin layer that opens the uploaded file and runs the import."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from product_dashboard.audit.service import Actor
from product_dashboard.importer.parse import ImportFile, NotACatalogCsv
from product_dashboard.importer.results import ImportResults
from product_dashboard.importer.service import ImportReport, OnError, run_import
from product_dashboard.job import JobRunner
from product_dashboard.job.typed import JobModel, JobType, NoCheckpoint, TypedJob
from product_dashboard.models import AuditSource, ResultStage
from product_dashboard.safety import results
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
    revert: dict[str, Any] | None = None
    """Abort mode, a product failing as the file was committed (the catalog changed since the
    check): how many products written were taken back, and those that were not, and why."""


IMPORT_JOB = JobType("product.import", ImportJobParams, NoCheckpoint, ImportJobReport)
ImportJob = TypedJob[ImportJobParams, NoCheckpoint, ImportJobReport]


def rows_done(report: ImportReport) -> int:
    """The job's progress in rows: the abort mode's check pass is the first half of its work,
    the commit pass the second."""
    rows = report.last_row - 1
    if report.checking:
        return rows // 2
    if report.checked_rows:
        return (report.checked_rows - 1 + rows) // 2
    return rows


async def _written_before(job: ImportJob) -> ChangeCounts | None:
    """What an earlier run of this job committed (its results rows are committed with each
    chunk), when it was cut short (the process died or stopped while it ran)."""
    async with job.session() as session:
        counts = await results.counts(session, job.job_id, ResultStage.done)
    return counts if counts.products else None


async def run_import_job(job: ImportJob) -> ImportJobReport:
    params = job.params
    path = Path(params.path)
    actor = Actor(source=AuditSource.import_, user_id=params.user_id, email=params.email)
    if not params.dry_run and (earlier := await _written_before(job)) is not None:
        # Taken back as orphaned: not run again from the start over what it committed.
        await asyncio.to_thread(path.unlink, missing_ok=True)
        job.report = ImportJobReport(
            filename=params.filename,
            dry_run=False,
            on_error=params.on_error,
            products=earlier.products,
            created=earlier.actions.get("created", 0),
            updated=earlier.actions.get("updated", 0),
            unchanged=0,
            failed=0,
            committed=True,
            errors=[],
            errors_truncated=False,
            changes=earlier,
        )
        raise ValueError(
            f"The import was interrupted (the dashboard stopped while it ran) after it had "
            f"written {earlier.products} product(s) ({job.report.created} created, "
            f"{job.report.updated} updated; listed in its results). They stay imported; the rest "
            "of the file was not imported. Import the file again to finish it (what is already "
            "imported will show as unchanged)."
        )
    await job.progress(total=params.records, done=0)

    async def progress(report: ImportReport) -> None:
        await job.progress(done=rows_done(report), failed=report.failed)

    recorder = ImportResults(job.job_id, dry_run=params.dry_run)
    try:
        report = await run_import(
            job.session,
            ImportFile(path),
            actor,
            dry_run=params.dry_run,
            on_error=params.on_error,
            progress=progress,
            recorder=recorder,
        )
    except NotACatalogCsv as exc:
        raise ValueError(f"The file cannot be imported: {exc}") from exc
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    await progress(report)  # the pass that ended it (a failed check: its rows, all of them)
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
