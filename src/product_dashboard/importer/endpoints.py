"""`POST /api/products/import`: Shopify's product CSV (old or new headers) or our CSV."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile, status
from fastapi.responses import JSONResponse

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import WriterPrincipal
from product_dashboard.batch.schemas import SYNC_LIMIT
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import Unprocessable
from product_dashboard.importer.headers import detect
from product_dashboard.importer.parse import NotACatalogCsv, count_records, read
from product_dashboard.importer.service import OnError, run_import
from product_dashboard.importer.tasks import IMPORT_JOB, ImportJobParams
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.models import AuditSource

router = APIRouter(tags=["imports"])

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
CHUNK = 1024 * 1024


async def _save(upload: UploadFile, data_dir: Path) -> Path:
    folder = data_dir / "imports"
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                path.unlink(missing_ok=True)
                raise Unprocessable(f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
            out.write(chunk)
    return path


def _inspect(path: Path) -> int:
    """Check the header and count records; raises NotACatalogCsv or UnicodeDecodeError."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        header = stream.readline()
        if detect([h.strip().strip('"') for h in header.split(",")]) is None:
            raise NotACatalogCsv(
                "Not a product CSV: expected Shopify's product CSV (a Handle or URL handle "
                "column) or this dashboard's CSV export."
            )
        stream.seek(0)
        return count_records(stream)


@router.post(
    "/api/products/import",
    responses={202: {"description": "More than 1,000 rows: importing as a job"}},
)
async def import_products(
    file: UploadFile,
    session: SessionDep,
    principal: WriterPrincipal,
    runner: JobRunnerDep,
    request: Request,
    dry_run: Annotated[bool, Form(description="Validate and report; write nothing")] = False,
    on_error: Annotated[
        OnError,
        Form(description="abort: import nothing if any row is bad; skip: skip bad products"),
    ] = "abort",
) -> Any:
    """Create or update products by handle. Returns the report (or a job for large files)."""
    path = await _save(file, request.app.state.settings.data_dir)
    try:
        records = await asyncio.to_thread(_inspect, path)
    except (NotACatalogCsv, UnicodeDecodeError) as exc:
        path.unlink(missing_ok=True)
        message = str(exc) if isinstance(exc, NotACatalogCsv) else "The file must be UTF-8 CSV."
        raise Unprocessable(message, fields=[{"loc": ["body", "file"], "msg": message}]) from exc
    actor = Actor.for_user(principal.user, AuditSource.import_)
    if records > SYNC_LIMIT:
        params = ImportJobParams(
            path=str(path),
            filename=file.filename,
            records=records,
            dry_run=dry_run,
            on_error=on_error,
            user_id=actor.user_id,
            email=actor.email,
        )
        job_id = await IMPORT_JOB.submit(
            runner, params, created_by_id=principal.user.id, session=session
        )
        return JSONResponse(
            {"job_id": job_id, "records": records, "status_url": f"/api/jobs/{job_id}"},
            status_code=status.HTTP_202_ACCEPTED,
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            report = await run_import(
                session, read(stream), actor, dry_run=dry_run, on_error=on_error
            )
    finally:
        path.unlink(missing_ok=True)
    body = report.as_dict()
    if not report.committed and not dry_run:
        raise Unprocessable(
            f"{report.failed} of {report.products} product(s) have errors; nothing was imported. "
            "Fix the rows listed, or import with on_error=skip.",
            fields=[
                {"loc": ["file", "row", e.row], "msg": e.message, "field": e.field}
                for e in report.errors[:100]
            ],
            extra={"report": body},
        )
    return body
