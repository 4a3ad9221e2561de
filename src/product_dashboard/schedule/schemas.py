"""Request and response shapes of the schedules API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from product_dashboard.job.schemas import JobSummary
from product_dashboard.safety.guards import GuardRules, GuardRulesIn
from product_dashboard.schedule.cron import is_valid
from product_dashboard.schedule.kinds import ScheduleKind


def _cron(value: str) -> str:
    value = " ".join(value.split())
    if not is_valid(value):
        raise ValueError("not a five-field cron expression (minute hour day month weekday)")
    return value


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    kind: ScheduleKind
    cron: str = Field(max_length=128, description="Five fields, UTC: `0 3 * * *` is 03:00 daily")
    params: dict[str, Any] = Field(
        default_factory=dict, description="The job's params (as the job type takes them)"
    )
    guards: GuardRulesIn | None = Field(
        default=None, description="This schedule's guard rules instead of the settings'"
    )
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str) -> str:
        return _cron(value)


class ScheduleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    cron: str | None = Field(default=None, max_length=128)
    params: dict[str, Any] | None = None
    guards: GuardRulesIn | None = None
    enabled: bool | None = None

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        return None if value is None else _cron(value)


class ScheduleRead(BaseModel):
    id: int
    name: str
    kind: ScheduleKind
    cron: str
    params: dict[str, Any]
    guards: GuardRules | None
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    skipped_runs: int = Field(description="Runs skipped because the previous one was not done")
    last_job: JobSummary | None = Field(description="The last run and its result")
