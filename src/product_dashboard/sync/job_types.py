"""The sync jobs' types: `sync.push` and `sync.pull`, with their params, checkpoints and reports.

Stored as JSON in the job row and shown by the job and sync APIs, so the shapes stay those the
untyped versions stored (a job queued or stopped by the previous version resumes as it was).
"""

from __future__ import annotations

from typing import Any, Literal

from product_dashboard.job.typed import JobModel, JobType
from product_dashboard.kit.time import parse_time
from product_dashboard.safety.guards import Approval, GuardHit, GuardRules
from product_dashboard.safety.results import ChangeCounts
from product_dashboard.sync.pull.engine import (
    DEFAULT_CHUNK,
    PullCheckpoint,
    PullKind,
    PullParams,
    PullReport,
)
from product_dashboard.sync.push.bulk import BulkInFlight
from product_dashboard.sync.push.engine import PushReport
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from product_dashboard.sync.records import BulkRecord, RunMetrics

STORE_SYNC = "store-sync"
"""The runner's exclusive group of the push and the pull: one of them at a time on the store."""

Payload = dict[str, Any]
"""Passed through to the API as is (per-product errors, conflicts, Shopify's bulk details)."""


# -- push ---------------------------------------------------------------------------------------


class PushParams(JobModel):
    direction: Literal["push"] = "push"
    mode: PushMode = PushMode.auto
    product_ids: list[int] | None = None
    filter: Payload | None = None
    only_changed: bool = True
    dry_run: bool = False
    """Only preview: record what the push would change (its results), send nothing."""
    guards: GuardRules | None = None
    """A schedule's own guard rules (else the settings')."""
    approval: Approval | None = None
    """Set when a held job is approved: it then runs without being held again."""

    @classmethod
    def of(cls, mode: PushMode, scope: PushScope, *, dry_run: bool = False) -> PushParams:
        """The one way push params are built (API, batch sync, pushes after a resolution)."""
        params = cls(
            direction="push",
            mode=mode,
            product_ids=list(scope.product_ids) if scope.product_ids is not None else None,
            filter=scope.filter,
            only_changed=scope.only_changed,
        )
        if dry_run:
            params.dry_run = True
        return params

    def scope(self) -> PushScope:
        return PushScope(
            product_ids=tuple(self.product_ids) if self.product_ids is not None else None,
            filter=self.filter,
            only_changed=self.only_changed,
        )


class PushCheckpoint(JobModel):
    mode: PushMode | None = None
    """The mode an auto push chose: a resumed run keeps it."""
    after_id: int = 0
    metrics: RunMetrics | None = None
    bulk: BulkRecord | None = None
    in_flight: list[BulkInFlight] = []
    """Bulk operations started and not yet recorded, with their products: a resumed push
    collects them instead of sending those products again."""


class PreviewReport(JobModel):
    """What a push would change (its preview results), and the guard rules that held it."""

    store_defaults = True

    counts: ChangeCounts
    looked_at: int
    catalog_size: int
    held_by: list[GuardHit] = []
    source: str | None = None
    """A pull's: how Shopify was read, "pages" or "bulk"."""


class PushJobReport(JobModel):
    direction: Literal["push"] = "push"
    mode: str
    runs: list[PushReport]
    """One per run (a resumed job has several), the last MAX_RUNS_KEPT."""
    metrics: RunMetrics
    errors: list[Payload]
    preview: PreviewReport | None = None


PUSH_JOB = JobType("sync.push", PushParams, PushCheckpoint, PushJobReport)


# -- pull ---------------------------------------------------------------------------------------


class PullJobParams(JobModel):
    direction: Literal["pull"] = "pull"
    kind: PullKind | None = None
    mode: PushMode | None = None
    """`bulk` runs even an incremental pull as a bulk query."""
    only_changed: bool | None = None
    """False, without a `kind`: a full pull."""
    since: str | None = None
    remote_deletions: Literal["apply", "report"] | None = None
    force_deletions: bool | None = None
    chunk_size: int | None = None
    dry_run: bool = False
    """Only preview: record what the pull would change here (its results), change nothing."""
    guards: GuardRules | None = None
    """A schedule's own guard rules (else the settings')."""
    approval: Approval | None = None
    """Set when a held pull is approved: it then runs without being held again."""

    def engine_params(self) -> PullParams:
        return PullParams(
            kind=self.kind or ("full" if self.only_changed is False else "auto"),
            use_bulk=PULL_SOURCE.get(self.mode or PushMode.auto, False),
            since=parse_time(self.since) if self.since else None,
            remote_deletions=self.remote_deletions or "apply",
            force_deletions=bool(self.force_deletions),
            chunk_size=self.chunk_size or DEFAULT_CHUNK,
        )


class PullJobReport(JobModel):
    direction: Literal["pull"] = "pull"
    kind: str
    source: str
    seen: int
    outcomes: dict[str, int]
    created: int
    updated: int
    conflicts_opened: int
    unchanged: int
    learned: int = 0
    """Of the `unchanged`, those with fields not known here before now read (nothing replaced:
    their results rows' action is `learned`)."""
    failed: int
    errors: list[Payload]
    conflicts: list[Payload]
    remote_deletions: Payload | None
    metafield_definitions: dict[str, int] | None = None
    """A full pull's metafield definitions: added, updated, removed, unchanged."""
    bulk: Payload | None
    since: str | None
    cursor: str | None
    stopped: bool
    seconds: float
    products_per_second: float
    api_calls: int
    cost_points: int
    throttled: int
    reused_preview: bool = False
    """It applied what its preview had just read instead of reading Shopify again."""
    mode: str
    metrics: RunMetrics
    preview: PreviewReport | None = None

    @classmethod
    def of(cls, report: PullReport) -> PullJobReport:
        figures = report.as_dict()
        return cls(
            **figures,
            mode=report.source,
            metrics=RunMetrics(
                mode=report.source,
                products_per_second=figures["products_per_second"],
                api_calls=report.api_calls,
                cost_points=report.cost_points,
                throttled_responses=report.throttled,
                workers=1,
                workers_min=1,
                workers_max=1,
                seconds=figures["seconds"],
            ),
        )

    def summary(self) -> dict[str, Any]:
        """What the `sync.pull.finished` event says."""
        return self.model_dump(
            include={
                "kind",
                "seen",
                "created",
                "updated",
                "conflicts_opened",
                "unchanged",
                "learned",
                "failed",
            }
        )


# How a pull of each mode reads an incremental pull's products (None: by the sooner way).
PULL_SOURCE: dict[PushMode, bool | None] = {PushMode.bulk: True, PushMode.auto: None}

PULL_JOB = JobType("sync.pull", PullJobParams, PullCheckpoint, PullJobReport)
