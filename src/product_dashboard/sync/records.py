"""What sync jobs record of a run for the sync status APIs: its figures and Shopify's bulk state."""

from __future__ import annotations

from collections.abc import Sequence

from product_dashboard.job.typed import JobModel
from product_dashboard.shopify.bulk import BulkOperation
from product_dashboard.sync.push.bulk import BulkStatus


class RunMetrics(JobModel):
    """A sync run's figures: live while it runs, per run and overall once it ended."""

    mode: str | None = None
    seconds: float | None = None
    products_per_second: float = 0.0
    api_calls: int = 0
    cost_points: int = 0
    throttled_responses: int = 0
    retries: int | None = None
    workers: int = 0
    workers_min: int = 0
    workers_max: int = 0
    latency_ms: float | None = None
    pushed: int | None = None
    deleted: int | None = None
    failed: int | None = None
    skipped: int | None = None

    def with_defaults(
        self, *, mode: str | None, pushed: int, failed: int, skipped: int
    ) -> RunMetrics:
        """A copy with these filled in where this run recorded none (the performance view)."""
        defaults = {"mode": mode, "pushed": pushed, "failed": failed, "skipped": skipped}
        missing = {k: v for k, v in defaults.items() if k not in self.model_fields_set}
        return self.model_copy(update=missing)


_UNFINISHED = ("RUNNING", "CREATED", "CANCELING")


class BulkRecord(JobModel):
    """Shopify's view of a run's bulk operations, as the sync status shows it."""

    shopify_id: str
    status: str
    error_code: str | None = None
    object_count: int = 0
    root_object_count: int | None = None

    @classmethod
    def of_push_run(cls, statuses: Sequence[BulkStatus]) -> BulkRecord:
        """A push run's operations (several side by side) as one: lines done added up; the
        status is unfinished while any is (RUNNING first), else COMPLETED when all completed,
        else the first one that did not (with its error code); the id is the latest one's."""
        if not statuses:
            raise ValueError("a push run's bulk record needs at least one operation")
        by_status = {status.status: status for status in reversed(statuses)}
        unfinished = [by_status[name] for name in _UNFINISHED if name in by_status]
        others = [s for s in statuses if s.status != "COMPLETED"]
        shown = unfinished[0] if unfinished else (others[0] if others else statuses[-1])
        return cls(
            shopify_id=statuses[-1].id,
            status=shown.status,
            error_code=shown.error_code,
            object_count=sum(status.object_count for status in statuses),
        )

    @classmethod
    def of_pull(cls, operations: Sequence[BulkOperation]) -> BulkRecord:
        """A pull's export (one bulk query per part, side by side) as one, like a push run's;
        the products exported added up."""
        record = cls.of_push_run([BulkStatus.from_operation(o) for o in operations])
        return record.model_copy(
            update={"root_object_count": sum(o.root_object_count for o in operations)}
        )
