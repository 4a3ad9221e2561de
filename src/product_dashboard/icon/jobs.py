"""The icon job: one handler for a single product and for batches, resumable from a checkpoint.

The checkpoint holds the next index and the report so far, so a stopped or crashed job resumes
where it was and its status shows partial results while it runs.
"""

from __future__ import annotations

import asyncio
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
    params = IconJobParams.model_validate(ctx.params)
    ids = params.product_ids
    checkpoint = ctx.checkpoint or {}
    position = int(checkpoint.get("next", 0))
    report: dict[str, Any] = checkpoint.get("report") or new_report(params, service.remote_model)
    ctx.report = report
    await ctx.progress(total=len(ids))
    circuit = RemoteCircuit()
    actor = params.actor()
    width = service.parallelism(params.provider)
    while position < len(ids) and not ctx.should_stop:
        window = ids[position : position + width]
        outcomes = await asyncio.gather(
            *(
                service.generate(
                    ctx.session,
                    product_id,
                    provider=params.provider,
                    actor=actor,
                    circuit=circuit,
                    only_missing=params.only_missing,
                    batch_id=ctx.job_id[:32] if params.batch else None,
                )
                for product_id in window
            )
        )
        for outcome in outcomes:
            record(report, outcome)
        report["openai_disabled"] = circuit.disabled_reason
        position += len(window)
        await ctx.advance(
            done=sum(o.status in (ItemStatus.generated, ItemStatus.fallback) for o in outcomes),
            failed=sum(o.status == ItemStatus.failed for o in outcomes),
            skipped=sum(o.status == ItemStatus.skipped for o in outcomes),
        )
        await ctx.save_checkpoint({"next": position, "report": report})
    return report


def icon_job_handler(get_service: Callable[[], IconService]) -> Handler:
    """The runner's handler; looks the service up per run so the app (or a test) can swap it."""

    async def handle(ctx: JobContext) -> dict[str, Any]:
        return await run_icon_job(ctx, get_service())

    return handle
