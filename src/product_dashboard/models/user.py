from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.models.base import TimestampedModel


class Role(StrEnum):
    admin = "admin"
    editor = "editor"
    viewer = "viewer"


class User(TimestampedModel):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=Role.viewer.value)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Tokens issued at or before this instant are refused (password reset, "log out everywhere").
    sessions_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def can_write(self) -> bool:
        return self.role in (Role.admin, Role.editor)
