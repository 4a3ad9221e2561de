from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from product_dashboard.auth.schemas import NewPassword, RoleName, UserRead

GENERATED = "Omit to have one generated and returned once."


class TeamMember(UserRead):
    sessions_revoked_at: datetime | None = Field(
        description="Tokens issued at or before this instant are refused."
    )


class InviteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    role: RoleName = "viewer"
    password: NewPassword | None = Field(default=None, description=GENERATED)


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: RoleName


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: NewPassword | None = Field(default=None, description=GENERATED)


class MemberWithPassword(BaseModel):
    """A user and the password just set for them: shown this once, never stored in clear."""

    user: TeamMember
    password: str | None = Field(
        description="The generated password, to hand over; null when the request gave one."
    )
