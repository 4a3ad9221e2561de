"""The icon job: one handler for a single product and for batches, resumable from a checkpoint.

A small pool works on a few products at once (OpenAI calls vary a lot in duration). The
checkpoint holds the first unfinished index, the indices finished beyond it, and the report so
far: a stopped or crashed job resumes without redoing a product, and its status shows partial
results while it runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import Field

from product_dashboard.audit.service import Actor
from product_dashboard.icon.service import (
    IconOutcome,
    IconService,
    ItemStatus,
    Provider,
    RemoteCircuit,
)
from product_dashboard.job.typed import JobModel, JobType, TypedJob
from product_dashboard.models import AuditSource

logger = logging.getLogger(__name__)

MAX_REPORT_ITEMS = 1000  # outcomes listed in full; counters are always complete
MAX_REPORTED_PROBLEMS = 2000  # fallbacks, failures and skips listed beyond that


class IconJobParams(JobModel):
    store_defaults = True  # as always stored

    product_ids: list[int] = Field(min_length=1)
    provider: Provider
    only_missing: bool = False
    batch: bool = False
    actor_id: int | None = None
    actor_email: str | None = None

    def actor(self) -> Actor:
        source = AuditSource.batch if self.batch else AuditSource.api
        return Actor(source=source, user_id=self.actor_id, email=self.actor_email)


class IconJobReport(JobModel):
    provider: str
    model: str | None
    requested: int
    generated: int = 0
    fallbacks: int = 0
    failed: int = 0
    skipped: int = 0
    openai_disabled: str | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)
    """Per-product outcomes (`IconOutcome.as_report`)."""
    items_truncated: bool = False
    files_pruned: int | None = None
    """Set once every product is done."""

    @classmethod
    def new(cls, params: IconJobParams, model: str | None) -> IconJobReport:
        return cls(
            provider=params.provider,
            model=model if params.provider == "openai" else None,
            requested=len(params.product_ids),
            generated=0,
            fallbacks=0,
            failed=0,
            skipped=0,
            openai_disabled=None,
            items=[],
            items_truncated=False,
        )

    def record(self, outcome: IconOutcome) -> None:
        if outcome.status == ItemStatus.generated:
            self.generated += 1
        elif outcome.status == ItemStatus.fallback:
            self.fallbacks += 1
        elif outcome.status == ItemStatus.failed:
            self.failed += 1
        else:
            self.skipped += 1
        problem = outcome.status != ItemStatus.generated
        count = len(self.items)
        if count < MAX_REPORT_ITEMS or (problem and count < MAX_REPORTED_PROBLEMS):
            self.items.append(outcome.as_report())
        else:
            self.items_truncated = True


class IconCheckpoint(JobModel):
    """Everything before `next` is done, and so are the `ahead` indices finished out of order;
    the report so far rides along, so a stopped or crashed job resumes with it."""

    next: int = 0
    ahead: list[int] = Field(default_factory=list)
    report: IconJobReport | None = None


ICON_JOB = JobType("icons.generate", IconJobParams, IconCheckpoint, IconJobReport)
IconJob = TypedJob[IconJobParams, IconCheckpoint, IconJobReport]


async def run_icon_job(job: IconJob, service: IconService) -> IconJobReport:
    """Work through the products with a small pool; a slow product never idles the others."""
    params = job.params
    ids = params.product_ids
    checkpoint = job.checkpoint or IconCheckpoint()
    position = checkpoint.next
    ahead = set(checkpoint.ahead)
    report = checkpoint.report or IconJobReport.new(params, service.remote_model)
    job.report = report
    await job.progress(total=len(ids))
    circuit = RemoteCircuit()
    actor = params.actor()
    width = service.parallelism(params.provider)
    upcoming = (i for i in range(position, len(ids)) if i not in ahead)
    running: dict[asyncio.Task[IconOutcome], int] = {}

    def start(index: int) -> None:
        task = asyncio.create_task(
            service.generate(
                job.session,
                ids[index],
                provider=params.provider,
                actor=actor,
                circuit=circuit,
                only_missing=params.only_missing,
                batch_id=job.job_id[:32] if params.batch else None,
            )
        )
        running[task] = index

    try:
        while True:
            while len(running) < width and not job.should_stop:
                index = next(upcoming, None)
                if index is None:
                    break
                start(index)
            if not running:
                break
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            outcomes = []
            for task in finished:
                ahead.add(running.pop(task))
                outcomes.append(task.result())
                report.record(outcomes[-1])
            while position in ahead:
                ahead.remove(position)
                position += 1
            report.openai_disabled = circuit.disabled_reason
            await job.advance(
                done=sum(o.status in (ItemStatus.generated, ItemStatus.fallback) for o in outcomes),
                failed=sum(o.status == ItemStatus.failed for o in outcomes),
                skipped=sum(o.status == ItemStatus.skipped for o in outcomes),
                checkpoint=IconCheckpoint(next=position, ahead=sorted(ahead), report=report),
            )
    finally:
        # Only when the handler itself is cancelled (shutdown past its grace, lease lost).
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
    if position >= len(ids):
        try:
            report.files_pruned = await service.prune_files(job.session)
        except Exception:  # housekeeping: the icons are made, the job succeeded
            logger.exception("icon job %s: pruning unused icon files failed", job.job_id)
    return report


def icon_job_handler(
    get_service: Callable[[], IconService],
) -> Callable[[IconJob], Awaitable[IconJobReport]]:
    """The runner's handler; looks the service up per run so the app (or a test) can swap it."""

    async def handle(job: IconJob) -> IconJobReport:
        return await run_icon_job(job, get_service())

    return handle
