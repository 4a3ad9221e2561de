"""Prune what outlived its use: export files, abandoned uploads, revoked tokens' rows, the bodies
of handled webhooks, finished jobs and alerts. Each rule has its own age, set in the settings."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import and_, delete, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.auth.repository import RevokedTokenRepository
from product_dashboard.config import Settings
from product_dashboard.importer.tasks import IMPORT_JOB
from product_dashboard.models import (
    AlertRecord,
    Job,
    JobState,
    LegacyBatch,
    ProductBatch,
    WebhookEvent,
)
from product_dashboard.models.webhook_event import PRUNED_BODY, WebhookState

_FINAL_JOB_STATES = [s.value for s in JobState if s.is_final]
_LIVE_JOB_STATES = [s.value for s in JobState if not s.is_final]


class PruneReport(BaseModel):
    export_files: int = 0
    upload_files: int = 0
    revoked_tokens: int = 0
    webhook_bodies: int = 0
    jobs: int = 0
    alerts: int = 0

    @property
    def total(self) -> int:
        return (
            self.export_files
            + self.upload_files
            + self.revoked_tokens
            + self.webhook_bodies
            + self.jobs
            + self.alerts
        )


async def prune_database(session: AsyncSession, settings: Settings, now: datetime) -> PruneReport:
    report = PruneReport()
    report.revoked_tokens = await RevokedTokenRepository(session).purge_expired(now)
    body_cutoff = now - timedelta(days=settings.retention_webhook_body_days)
    handled = await session.execute(
        update(WebhookEvent)
        .where(
            WebhookEvent.state.in_([WebhookState.processed.value, WebhookState.ignored.value]),
            WebhookEvent.processed_at < body_cutoff,
            WebhookEvent.body != PRUNED_BODY,
        )
        .values(body=PRUNED_BODY)
    )
    report.webhook_bodies = int(getattr(handled, "rowcount", 0) or 0)
    job_cutoff = now - timedelta(days=settings.retention_job_days)
    referenced = union(
        select(ProductBatch.job_id).where(ProductBatch.job_id.is_not(None)),
        select(ProductBatch.undo_job_id).where(ProductBatch.undo_job_id.is_not(None)),
        select(LegacyBatch.job_id).where(LegacyBatch.job_id.is_not(None)),
    )
    ended = or_(
        Job.finished_at < job_cutoff,
        and_(Job.finished_at.is_(None), Job.updated_at < job_cutoff),
    )
    jobs = await session.execute(
        delete(Job).where(
            Job.state.in_(_FINAL_JOB_STATES),
            ended,
            Job.id.not_in(referenced),  # a batch edit's undo still reads its jobs
        )
    )
    report.jobs = int(getattr(jobs, "rowcount", 0) or 0)
    alert_cutoff = now - timedelta(days=settings.retention_alert_days)
    alerts = await session.execute(delete(AlertRecord).where(AlertRecord.created_at < alert_cutoff))
    report.alerts = int(getattr(alerts, "rowcount", 0) or 0)
    return report


async def live_upload_paths(session: AsyncSession) -> set[str]:
    """Uploads a queued or running import job still has to read."""
    jobs = await session.scalars(
        select(Job).where(Job.type == IMPORT_JOB.name, Job.state.in_(_LIVE_JOB_STATES))
    )
    return {IMPORT_JOB.params_of(job).path for job in jobs}


def prune_files(folder: Path, older_than: timedelta, keep: Iterable[str] = ()) -> int:
    """Delete the files directly in `folder` last modified before `older_than` ago; blocking."""
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    kept = {str(Path(k)) for k in keep}
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and str(path) not in kept and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


__all__ = ["PruneReport", "live_upload_paths", "prune_database", "prune_files"]
