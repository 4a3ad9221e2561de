"""What a schedule can run: each kind's job type, whose params model checks a schedule's params."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from product_dashboard.export.tasks import EXPORT_JOB
from product_dashboard.inbound.detect import DETECT_JOB
from product_dashboard.job.typed import JobModel, JobType
from product_dashboard.safety.guards import GuardRules
from product_dashboard.sync.job_types import PULL_JOB, PUSH_JOB


class ScheduleKind(StrEnum):
    pull = "pull"
    push = "push"
    export = "export"
    detect = "detect"


JOB_TYPES: dict[ScheduleKind, JobType[Any, Any, Any]] = {
    ScheduleKind.pull: PULL_JOB,
    ScheduleKind.push: PUSH_JOB,
    ScheduleKind.export: EXPORT_JOB,
    ScheduleKind.detect: DETECT_JOB,
}
DEFAULT_PARAMS: dict[ScheduleKind, dict[str, Any]] = {
    ScheduleKind.export: {"format": "csv", "selection": {"filter": {}}},
}
GUARDED = frozenset({ScheduleKind.push, ScheduleKind.pull})
"""Kinds whose jobs read guard rules (the schedule's own rules ride in their params)."""


def job_params(
    kind: ScheduleKind, params: dict[str, Any], guards: GuardRules | None
) -> dict[str, Any]:
    """The params of one run (checked by the job type's model; ValueError if they do not fit)."""
    merged: dict[str, Any] = {**DEFAULT_PARAMS.get(kind, {}), **params}
    if guards is not None and kind in GUARDED:
        merged["guards"] = guards.to_json()
    model: JobModel = JOB_TYPES[kind].params.model_validate(merged)
    return model.to_json()


def kind_of(job_type: str) -> ScheduleKind:
    return next(kind for kind, t in JOB_TYPES.items() if t.name == job_type)
