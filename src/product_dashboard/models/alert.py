"""An alert as it was raised (alerting.Notice, field for field), kept until someone acknowledges
it and pruned after RETENTION_ALERT_DAYS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.kit.time import utcnow
from product_dashboard.models.base import Model


class AlertRecord(Model):
    __tablename__ = "alert"
    # The unacknowledged ones, newest first: the header's count and the list's filter.
    __table_args__ = (Index("ix_alert_acknowledged_at_id", "acknowledged_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    link: Mapped[str] = mapped_column(String(255), nullable=False)
    # No foreign key: a job is pruned after RETENTION_JOB_DAYS, its alert tells of it still.
    job_id: Mapped[str | None] = mapped_column(String(32))
    job_type: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, index=True
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("user.id", ondelete="SET NULL")
    )
