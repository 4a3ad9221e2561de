"""alerts kept: each alert raised, so a page opened later still shows it, until acknowledged

Revision ID: 0032_alerts_kept
Revises: 0031_variant_unit_price
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032_alerts_kept"
down_revision: str | None = "0031_variant_unit_price"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=255), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("job_type", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["user.id"],
            name="fk_alert_acknowledged_by_id_user",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alert"),
    )
    op.create_index("ix_alert_created_at", "alert", ["created_at"])
    op.create_index("ix_alert_acknowledged_at_id", "alert", ["acknowledged_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_alert_acknowledged_at_id", table_name="alert")
    op.drop_index("ix_alert_created_at", table_name="alert")
    op.drop_table("alert")
