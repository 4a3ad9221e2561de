"""`/api/backups`: the backups the app made, one made now, one downloaded (admins only)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor, record
from product_dashboard.auth.dependencies import AdminPrincipal, Principal
from product_dashboard.backup.scheduled import BackupFile, Backups
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import AppError, Conflict, NotFound

router = APIRouter(prefix="/api/backups", tags=["backups"])
ENTITY = "backup"


class BackupFailed(AppError):
    """Ours, not the request's: a full disk, pg_dump missing, the database unreadable."""

    status_code = 500
    kind = "backup_failed"


class BackupRead(BaseModel):
    name: str
    size: int = Field(description="Bytes")
    created_at: datetime


class BackupsRead(BaseModel):
    interval_hours: float = Field(description="0: the app makes none on its own")
    keep: int
    folder: str
    running: bool
    last_error: str | None = Field(description="Why the last backup failed, if it did")
    items: list[BackupRead] = Field(description="Newest first")


def _backups(request: Request) -> Backups:
    backups: Backups = request.app.state.backups
    return backups


def _audit(
    session: AsyncSession,
    principal: Principal,
    request: Request,
    name: str,
    action: str,
    after: dict[str, Any] | None = None,
) -> None:
    actor = Actor.for_request(principal.user, request.headers)
    record(
        session, actor, entity_type=ENTITY, entity_id=name, action=action, before=None, after=after
    )


def _read(backup: BackupFile) -> BackupRead:
    return BackupRead(name=backup.path.name, size=backup.size, created_at=backup.created_at)


@router.get("", response_model=BackupsRead)
async def list_backups(principal: AdminPrincipal, request: Request) -> BackupsRead:
    """The backups in BACKUP_DIR, and how often the app makes them."""
    backups = _backups(request)
    settings = backups.settings
    return BackupsRead(
        interval_hours=settings.backup_interval_hours,
        keep=settings.backup_keep,
        folder=str(settings.backup_dir),
        running=backups.busy,
        last_error=backups.last_error,
        items=[_read(backup) for backup in await asyncio.to_thread(backups.files)],
    )


@router.post("", response_model=BackupRead, status_code=status.HTTP_201_CREATED)
async def back_up_now(
    principal: AdminPrincipal, request: Request, session: SessionDep
) -> BackupRead:
    """Make a backup now (the database and the files it points at), as the schedule does."""
    backups = _backups(request)
    if backups.busy:
        raise Conflict("A backup is being made: wait for it to finish.")
    summary = await backups.run()
    if summary is None:
        raise BackupFailed(f"The backup failed: {backups.last_error}")
    after = {"products": summary.manifest.products, "files": summary.manifest.files}
    _audit(session, principal, request, summary.path.name, "create", after)
    made = next(
        (b for b in await asyncio.to_thread(backups.files) if b.path.name == summary.path.name),
        None,
    )
    if made is None:  # BACKUP_KEEP removed it at once: cannot happen with keep >= 1
        raise NotFound(f"Backup {summary.path.name} is gone.")
    return _read(made)


@router.get("/{name}", response_class=FileResponse)
async def download_backup(
    name: str, principal: AdminPrincipal, request: Request, session: SessionDep
) -> FileResponse:
    """Download a backup (it holds the whole catalog and the team's password hashes)."""
    path = await asyncio.to_thread(_backups(request).file, name)
    if path is None:
        raise NotFound(f"No backup named {name!r}.")
    _audit(session, principal, request, name, "download")
    return FileResponse(
        path,
        media_type="application/gzip",
        filename=name,
        headers={"Cache-Control": "no-store"},
    )
