"""What an alert says, built from the events the app already publishes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from product_dashboard.job.schemas import JobSummary
from product_dashboard.kit.time import utcnow
from product_dashboard.sync.schemas import Alert

# As the browser names them (web/static/js/core/format.js, `jobLabel`).
JOB_NAMES = {
    "sync.push": "Push to Shopify",
    "sync.pull": "Pull from Shopify",
    "icons.generate": "Generate icons",
    "conflicts.detect": "Detect conflicts",
    "conflicts.reconcile": "Reconcile with Shopify",
}


HELD_KIND = "job_held"  # settled when the job is decided (`store.settle_held`)


class Severity(StrEnum):
    warning = "warning"
    critical = "critical"


class Notice(BaseModel):
    """One alert, as logged, shown and posted."""

    kind: str = Field(
        description="job_failed, job_held, error_rate, throttled_share, throughput_drop, "
        "webhook_dead or backup_failed"
    )
    severity: Severity
    message: str = Field(description="One sentence for a person")
    link: str = Field(description="The dashboard page where it is dealt with")
    job_id: str | None = None
    job_type: str | None = None
    value: float | None = None
    threshold: float | None = None
    at: datetime = Field(default_factory=utcnow)


class KeptNotice(Notice):
    """An alert as the dashboard keeps it: listed until someone acknowledges it."""

    id: int
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = Field(default=None, description="Who acknowledged it (email)")


def job_name(job_type: str) -> str:
    """ "sync.push" → "Push to Shopify", "product.import" → "Product import"."""
    return JOB_NAMES.get(job_type) or job_type.replace(".", " ").replace("_", " ").capitalize()


def job_failed(job: JobSummary) -> Notice:
    reason = (job.error or "no reason recorded").splitlines()[0][:500]
    return Notice(
        kind="job_failed",
        severity=Severity.critical,
        message=f"{job_name(job.type)} (job {job.id}) failed: {reason}",
        link="/activity",
        job_id=job.id,
        job_type=job.type,
    )


def job_held(job: JobSummary) -> Notice:
    return Notice(
        kind=HELD_KIND,
        severity=Severity.warning,
        message=f"{job_name(job.type)} (job {job.id}) is held by a guard rule and waits for "
        "someone to approve or reject it.",
        link="/sync" if job.type.startswith("sync.") else "/activity",
        job_id=job.id,
        job_type=job.type,
    )


def run_alert(job: JobSummary, alert: Alert) -> Notice:
    return Notice(
        kind=alert.kind,
        severity=Severity.warning,
        message=f"{job_name(job.type)} (job {job.id}): {alert.message}",
        link="/sync",
        job_id=job.id,
        job_type=job.type,
        value=alert.value,
        threshold=alert.threshold,
    )


def webhooks_dead(count: int, topic: str, error: str) -> Notice:
    last = f"the last: {topic}, {error.splitlines()[0][:300] if error else 'no reason recorded'}"
    what = "A webhook event was" if count == 1 else f"{count} webhook events were"
    return Notice(
        kind="webhook_dead",
        severity=Severity.critical,
        message=f"{what} given up on after every retry, so a change made in Shopify may be "
        f"missing here ({last}). Run “Check Shopify” to catch up.",
        link="/conflicts",
        value=float(count),
    )


def backup_failed(reason: str) -> Notice:
    return Notice(
        kind="backup_failed",
        severity=Severity.critical,
        message=f"A backup failed: {reason.splitlines()[0][:500]}",
        link="/activity",
    )
