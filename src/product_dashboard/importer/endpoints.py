"""`POST /api/products/import`: Shopify's product CSV (old or new headers) or our CSV."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import WriterPrincipal
from product_dashboard.batch.schemas import SYNC_LIMIT
from product_dashboard.config import SettingsDep
from product_dashboard.db import SessionDep, SessionmakerDep
from product_dashboard.exceptions import Unprocessable
from product_dashboard.importer.parse import ImportFile, NotACatalogCsv, count_records
from product_dashboard.importer.results import ImportResults, RequestJob
from product_dashboard.importer.service import OnError, run_import
from product_dashboard.importer.stock import check_columns
from product_dashboard.importer.tasks import IMPORT_JOB, ImportJobParams, ImportJobReport
from product_dashboard.job import service as job_service
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.kit.files import make_private_dir
from product_dashboard.models import AuditSource

router = APIRouter(tags=["imports"])

IMPORT_PATH = "/api/products/import"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
CHUNK = 1024 * 1024
INLINE_PREVIEW_ROWS = 200  # a dry run in the request shows this many products' changes


def upload_dir(data_dir: Path) -> Path:
    return data_dir / "imports"


async def _save(upload: StarletteUploadFile, data_dir: Path) -> Path:
    folder = await asyncio.to_thread(make_private_dir, upload_dir(data_dir))
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


_FORM_SCHEMA = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "dry_run": {
                        "type": "boolean",
                        "default": False,
                        "description": "Validate and report; write nothing",
                    },
                    "on_error": {
                        "type": "string",
                        "enum": ["abort", "skip"],
                        "default": "abort",
                        "description": "abort: import nothing if any row is bad; "
                        "skip: skip bad products",
                    },
                },
            }
        }
    },
}


class ImportForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = False
    on_error: OnError = "abort"


def _form_error(message: str, field: str) -> Unprocessable:
    return Unprocessable(message, fields=[{"loc": ["body", field], "msg": message}])


async def _read_upload(request: Request, data_dir: Path) -> tuple[Path, str | None, ImportForm]:
    """The uploaded file saved to disk, its name and the form's options.

    Read here, after the caller is authenticated, rather than as FastAPI body parameters, which
    are parsed (and spooled to disk) before any dependency runs.
    """
    try:
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, StarletteUploadFile):
                raise _form_error("Send the CSV as a multipart form field named 'file'.", "file")
            options = {k: v for k, v in form.items() if k != "file"}
            try:
                parsed = ImportForm.model_validate(options)
            except ValidationError as exc:
                raise Unprocessable(
                    "The import options are invalid.",
                    fields=[
                        {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]}
                        for e in exc.errors()
                    ],
                ) from exc
            return await _save(upload, data_dir), upload.filename, parsed
    except StarletteHTTPException as exc:
        if exc.status_code == 413:
            raise
        raise _form_error(f"The upload cannot be read: {exc.detail}", "file") from exc


@router.post(
    IMPORT_PATH,
    responses={202: {"description": "More than 1,000 rows: importing as a job"}},
    openapi_extra={"requestBody": _FORM_SCHEMA},
)
async def import_products(
    session: SessionDep,
    sessions: SessionmakerDep,
    principal: WriterPrincipal,
    runner: JobRunnerDep,
    settings: SettingsDep,
    request: Request,
) -> Any:
    """Create or update products by handle. Returns the report (or a job for large files)."""
    path, filename, form = await _read_upload(request, settings.data_dir)
    dry_run, on_error = form.dry_run, form.on_error
    try:
        records = await asyncio.to_thread(count_records, path)
    except NotACatalogCsv as exc:
        path.unlink(missing_ok=True)
        message = str(exc)
        raise Unprocessable(message, fields=[{"loc": ["body", "file"], "msg": message}]) from exc
    try:
        await check_columns(session, path)
    except Unprocessable:
        path.unlink(missing_ok=True)
        raise
    actor = Actor.for_user(principal.user, AuditSource.import_)
    if records > SYNC_LIMIT:
        params = ImportJobParams(
            path=str(path),
            filename=filename,
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
    if dry_run:
        recorder = ImportResults(None, dry_run=True)
    else:
        # Recorded as a job, so an import answered here can be undone and its results downloaded
        # like a larger file's (its path is gone with the request).
        params = ImportJobParams(
            path="",
            filename=filename,
            records=records,
            on_error=on_error,
            user_id=actor.user_id,
            email=actor.email,
        )
        recorder = ImportResults.in_request(
            RequestJob(IMPORT_JOB.name, params.model_dump(mode="json"), principal.user.id)
        )
    try:
        report = await run_import(
            sessions,
            ImportFile(path),
            actor,
            dry_run=dry_run,
            on_error=on_error,
            recorder=recorder,
            chunked=False,  # at most SYNC_LIMIT rows: one transaction, a few seconds
        )
    finally:
        path.unlink(missing_ok=True)
    body = report.as_dict()
    job = recorder.request_job
    if job is not None and job.written and report.committed and recorder.job_id is not None:
        done = ImportJobReport(filename=filename, **body, changes=recorder.counts)
        async with sessions() as recorded, recorded.begin():
            await job_service.finish_in_request(
                recorded,
                recorder.job_id,
                done.model_dump(mode="json"),
                done=report.products - report.failed,
                failed=report.failed,
            )
        body["job_id"] = recorder.job_id
        body["changes"] = recorder.counts.model_dump(mode="json")
    if dry_run:
        # The dry run's preview: what would change, product by product and field by field.
        body["changes"] = recorder.counts.model_dump(mode="json")
        body["preview"] = [
            change.model_dump(mode="json", exclude={"before", "after"})
            for change in recorder.kept[:INLINE_PREVIEW_ROWS]
        ]
    if not report.committed and not dry_run:
        raise Unprocessable(  # one transaction: rolled back
            f"{report.failed} of {report.products} product(s) have errors; nothing was imported. "
            "Fix the rows listed, or import with on_error=skip.",
            fields=[
                {"loc": ["file", "row", e.row], "msg": e.message, "field": e.field}
                for e in report.errors[:100]
            ],
            extra={"report": body},
        )
    return body
