"""The icon job: one handler for a single product and for batches, resumable from a checkpoint.

A small pool works on a few products at once (OpenAI calls vary a lot in duration). The
checkpoint holds the first unfinished index, the indices finished beyond it, and the report so
far: a stopped or crashed job resumes without redoing a product, and its status shows partial
results while it runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from product_dashboard.audit.service import Actor
from product_dashboard.icon.service import (
    IconOutcome,
    IconService,
    ItemStatus,
    Provider,
    RemoteCircuit,
)
from product_dashboard.job import Handler, JobContext
from product_dashboard.models import AuditSource

logger = logging.getLogger(__name__)

ICON_JOB = "icons.generate"
MAX_REPORT_ITEMS = 1000  # outcomes listed in full; counters are always complete
MAX_REPORTED_PROBLEMS = 2000  # fallbacks, failures and skips listed beyond that


class IconJobParams(BaseModel):
    product_ids: list[int] = Field(min_length=1)
    provider: Provider
    only_missing: bool = False
    batch: bool = False
    actor_id: int | None = None
    actor_email: str | None = None

    def actor(self) -> Actor:
        source = AuditSource.batch if self.batch else AuditSource.api
        return Actor(source=source, user_id=self.actor_id, email=self.actor_email)


def new_report(params: IconJobParams, model: str | None) -> dict[str, Any]:
    return {
        "provider": params.provider,
        "model": model if params.provider == "openai" else None,
        "requested": len(params.product_ids),
        "generated": 0,
        "fallbacks": 0,
        "failed": 0,
        "skipped": 0,
        "openai_disabled": None,
        "items": [],
        "items_truncated": False,
    }


def record(report: dict[str, Any], outcome: IconOutcome) -> None:
    key = {
        ItemStatus.generated: "generated",
        ItemStatus.fallback: "fallbacks",
        ItemStatus.failed: "failed",
        ItemStatus.skipped: "skipped",
    }[outcome.status]
    report[key] += 1
    items: list[dict[str, Any]] = report["items"]
    problem = outcome.status != ItemStatus.generated
    if len(items) < MAX_REPORT_ITEMS or (problem and len(items) < MAX_REPORTED_PROBLEMS):
        items.append(outcome.as_report())
    else:
        report["items_truncated"] = True


async def run_icon_job(ctx: JobContext, service: IconService) -> dict[str, Any]:
    """Work through the products with a small pool; a slow product never idles the others."""
    params = IconJobParams.model_validate(ctx.params)
    ids = params.product_ids
    checkpoint = ctx.checkpoint or {}
    # Everything before `next` is done, and so are the `ahead` indices finished out of order.
    position = int(checkpoint.get("next", 0))
    ahead: set[int] = {int(i) for i in checkpoint.get("ahead", [])}
    report: dict[str, Any] = checkpoint.get("report") or new_report(params, service.remote_model)
    ctx.report = report
    await ctx.progress(total=len(ids))
    circuit = RemoteCircuit()
    actor = params.actor()
    width = service.parallelism(params.provider)
    upcoming = (i for i in range(position, len(ids)) if i not in ahead)
    running: dict[asyncio.Task[IconOutcome], int] = {}

    def start(index: int) -> None:
        task = asyncio.create_task(
            service.generate(
                ctx.session,
                ids[index],
                provider=params.provider,
                actor=actor,
                circuit=circuit,
                only_missing=params.only_missing,
                batch_id=ctx.job_id[:32] if params.batch else None,
            )
        )
        running[task] = index

    try:
        while True:
            while len(running) < width and not ctx.should_stop:
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
                record(report, outcomes[-1])
            while position in ahead:
                ahead.remove(position)
                position += 1
            report["openai_disabled"] = circuit.disabled_reason
            await ctx.advance(
                done=sum(o.status in (ItemStatus.generated, ItemStatus.fallback) for o in outcomes),
                failed=sum(o.status == ItemStatus.failed for o in outcomes),
                skipped=sum(o.status == ItemStatus.skipped for o in outcomes),
                checkpoint={"next": position, "ahead": sorted(ahead), "report": report},
            )
    finally:
        # Only when the handler itself is cancelled (shutdown past its grace, lease lost).
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
    if position >= len(ids):
        try:
            report["files_pruned"] = await service.prune_files(ctx.session)
        except Exception:  # housekeeping: the icons are made, the job succeeded
            logger.exception("icon job %s: pruning unused icon files failed", ctx.job_id)
    return report


def icon_job_handler(get_service: Callable[[], IconService]) -> Handler:
    """The runner's handler; looks the service up per run so the app (or a test) can swap it."""

    async def handle(ctx: JobContext) -> dict[str, Any]:
        return await run_icon_job(ctx, get_service())

    return handle
