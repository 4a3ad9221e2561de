from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.kit.time import utcnow
from product_dashboard.models.base import Model


class ResultStage(StrEnum):
    preview = "preview"  # what the job would do (a dry run, or a job held for approval)
    done = "done"  # what it did


class ResultAction(StrEnum):
    created = "created"
    updated = "updated"
    deleted = "deleted"
    failed = "failed"
    conflict = "conflict"  # detection: changed here and in Shopify (the fields in `error`)
    # A pull: nothing here replaced, fields not known here before read from Shopify (counted
    # with the unchanged products: `sync.pull.results`).
    learned = "learned"
    exported = "exported"  # an export wrote it to the file


class JobResult(Model):
    """One product a job touched (or would touch): action, field changes, ids, error; with the
    product's shape before and after, which an undo compares the catalog against."""

    __tablename__ = "job_result"
    __table_args__ = (Index("ix_job_result_job_stage", "job_id", "stage", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), nullable=False)
    stage: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    product_id: Mapped[int | None] = mapped_column(Integer)
    handle: Mapped[str | None] = mapped_column(String(255))
    row: Mapped[int | None] = mapped_column(Integer)  # an import's first row of the product
    shopify_product_id: Mapped[str | None] = mapped_column(String(64))
    shopify_variant_ids: Mapped[list[str | None] | None] = mapped_column(JSON)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
