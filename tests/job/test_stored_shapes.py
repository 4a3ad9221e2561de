"""Every job type reads the JSON the untyped version stored, and writes it back unchanged.

A job queued, stopped or orphaned by the previous version resumes from these rows, and the job
API shows its params and report as stored: the shapes below are what that version wrote.
"""

from __future__ import annotations

from typing import Any

import pytest

from product_dashboard.batch.legacy import LEGACY_JOB
from product_dashboard.batch.tasks import BATCH_JOB, UNDO_JOB
from product_dashboard.collection.sync import COLLECTION_SYNC_JOB
from product_dashboard.export.tasks import EXPORT_JOB
from product_dashboard.icon.jobs import ICON_JOB
from product_dashboard.importer.tasks import IMPORT_JOB
from product_dashboard.inbound.detect import DETECT_JOB
from product_dashboard.job.typed import JobModel
from product_dashboard.sync.job_types import PULL_JOB, PUSH_JOB

pytestmark = pytest.mark.quick

LIVE_METRICS = {
    "mode": "bulk",
    "products_per_second": 80.0,
    "api_calls": 3,
    "cost_points": 30,
    "throttled_responses": 0,
    "workers": 0,
    "workers_min": 0,
    "workers_max": 0,
    "latency_ms": None,
}
PUSH_RUN = {
    "mode": "bulk",
    "requested_mode": "auto",
    "total": 5,
    "pushed": 5,
    "deleted": 0,
    "failed": 0,
    "skipped": 0,
    "seconds": 1.5,
    "api_calls": 3,
    "cost_points": 30,
    "throttled": 0,
    "retries": 0,
    "workers_min": 0,
    "workers_max": 0,
    "latency_ms": None,
    "stopped": False,
    "watermark": 5,
    "bulk": {"shopify_id": "gid://shopify/BulkOperation/1", "status": "COMPLETED"},
    "errors": [],
    "products_per_second": 3.33,
}
ICON_REPORT = {
    "provider": "local",
    "model": None,
    "requested": 2,
    "generated": 1,
    "fallbacks": 0,
    "failed": 0,
    "skipped": 0,
    "openai_disabled": None,
    "items": [{"product_id": 1, "status": "generated", "provider": "local"}],
    "items_truncated": False,
}

# (model, stored JSON) for every params, checkpoint and report shape the job types wrote.
SHAPES: list[tuple[type[JobModel], dict[str, Any]]] = [
    (
        PUSH_JOB.params,
        {
            "direction": "push",
            "mode": "auto",
            "product_ids": [4],
            "filter": None,
            "only_changed": True,
        },
    ),
    (
        PUSH_JOB.params,
        {
            "direction": "push",
            "mode": "batch",
            "product_ids": None,
            "filter": {"vendor": "Acme"},
            "only_changed": False,
        },
    ),
    (
        PUSH_JOB.checkpoint,
        {
            "mode": "bulk",
            "after_id": 5,
            "metrics": LIVE_METRICS,
            "bulk": {
                "shopify_id": "gid://shopify/BulkOperation/1",
                "status": "RUNNING",
                "error_code": None,
                "object_count": 2,
            },
        },
    ),
    (
        PUSH_JOB.report,
        {
            "direction": "push",
            "mode": "bulk",
            "runs": [PUSH_RUN],
            "metrics": {
                "mode": "bulk",
                "seconds": 1.5,
                "products_per_second": 3.33,
                "api_calls": 3,
                "cost_points": 30,
                "throttled_responses": 0,
                "retries": 0,
                "workers": 0,
                "workers_min": 0,
                "workers_max": 0,
                "latency_ms": None,
                "pushed": 5,
                "deleted": 0,
                "failed": 0,
                "skipped": 0,
            },
            "errors": [{"product_id": 9, "handle": "h", "error": "title: blank"}],
        },
    ),
    (PULL_JOB.params, {"direction": "pull", "mode": "auto", "kind": "full"}),
    (
        PULL_JOB.params,
        {
            "kind": "incremental",
            "since": "2026-11-30T10:00:00+00:00",
            "remote_deletions": "report",
            "force_deletions": True,
            "chunk_size": 5,
        },
    ),
    (
        PULL_JOB.checkpoint,
        {
            "kind": "full",
            "operation_id": "gid://shopify/BulkOperation/2",
            "linked_before": "2026-11-30T10:00:00+00:00",
            "applied": 200,
            "outcomes": {"created": 150, "unchanged": 50},
            "errors": [],
            "bulk": {
                "shopify_id": "gid://shopify/BulkOperation/2",
                "status": "COMPLETED",
                "object_count": 400,
                "root_object_count": 200,
                "error_code": None,
            },
        },
    ),
    (
        PULL_JOB.checkpoint,
        {
            "kind": "incremental",
            "since": "2026-11-30T10:00:00+00:00",
            "after": "cursor==",
            "outcomes": {"merged": 2},
            "errors": [],
            "bulk": None,
        },
    ),
    (DETECT_JOB.params, {"product_ids": None}),
    (DETECT_JOB.checkpoint, {"after_id": 7, "outcomes": {"echo": 1}, "conflicts": []}),
    (DETECT_JOB.report, {"outcomes": {"echo": 1, "merged": 1}, "conflicts": []}),
    (EXPORT_JOB.params, {"format": "csv", "selection": {"filter": {"vendor": "Acme"}}}),
    (
        EXPORT_JOB.params,
        {"format": "xlsx", "selection": {"product_ids": [1, 2]}, "protect_formulas": False},
    ),
    (EXPORT_JOB.report, {"rows": 12}),
    (
        EXPORT_JOB.report,
        {
            "format": "xlsx",
            "path": "/data/exports/j.xlsx",
            "filename": "products-20261130-100000.xlsx",
            "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "products": 3,
            "rows": 4,
            "bytes": 5120,
            "download_url": "/api/exports/j/download",
        },
    ),
    (BATCH_JOB.params, {"batch_id": "b1"}),
    (BATCH_JOB.report, {"step": "apply"}),
    (
        BATCH_JOB.report,
        {"batch_id": "b1", "kind": "status", "state": "completed", "matched": 3, "changed": 2},
    ),
    (UNDO_JOB.params, {"batch_id": "b1", "user_id": 1, "email": "a@example.com"}),
    (
        UNDO_JOB.report,
        {
            "batch_id": "b1",
            "kind": "status",
            "state": "undone",
            "matched": 3,
            "changed": 2,
            "reverted": 2,
        },
    ),
    (LEGACY_JOB.params, {"batch_id": "l1", "user_id": None}),
    (LEGACY_JOB.report, {"batch_id": "l1", "processed": 2, "failed": 0, "stopped": True}),
    (LEGACY_JOB.report, {"batch_id": "l1", "state": "completed", "processed": 3, "failed": 0}),
    (
        IMPORT_JOB.params,
        {
            "path": "/data/imports/u.csv",
            "filename": "u.csv",
            "records": 1500,
            "dry_run": False,
            "on_error": "skip",
            "user_id": 1,
            "email": "a@example.com",
        },
    ),
    (COLLECTION_SYNC_JOB.params, {"direction": "pull"}),
    (
        ICON_JOB.params,
        {
            "product_ids": [1, 2],
            "provider": "local",
            "only_missing": False,
            "batch": True,
            "actor_id": 1,
            "actor_email": "a@example.com",
        },
    ),
    (ICON_JOB.checkpoint, {"next": 1, "ahead": [], "report": ICON_REPORT}),
    (ICON_JOB.checkpoint, {"next": 0, "ahead": [1], "report": None}),
    (ICON_JOB.report, {**ICON_REPORT, "files_pruned": 0}),
]


@pytest.mark.parametrize(("model", "stored"), SHAPES)
def test_stored_json_loads_and_is_written_back_unchanged(
    model: type[JobModel], stored: dict[str, Any]
) -> None:
    assert model.model_validate(stored).to_json() == stored
