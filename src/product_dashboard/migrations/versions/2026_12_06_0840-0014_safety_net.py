"""safety net: per-job results, schedules, and the awaiting_approval job state

Revision ID: 0014_safety_net
Revises: 0013_batch_staging_without_fk
Create Date: 2026-12-06 08:00:00

`job.state` widens to 32 characters for `awaiting_approval` (a job held by a guard rule);
`job_result` holds one row per product a job touched (or would touch), with its before and after
shapes; `job_schedule` holds recurring jobs with their cron expression and next run.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_safety_net"
down_revision: str | None = "0013_batch_staging_without_fk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.alter_column(
            "state", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False
        )
    op.create_table(
        "job_result",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "job_id",
            sa.String(32),
            sa.ForeignKey("job.id", name="fk_job_result_job_id_job", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("product_id", sa.Integer()),
        sa.Column("handle", sa.String(255)),
        sa.Column("row", sa.Integer()),
        sa.Column("shopify_product_id", sa.String(64)),
        sa.Column("shopify_variant_ids", sa.JSON()),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.Column("error", sa.Text()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_job_result"),
    )
    op.create_index("ix_job_result_job_stage", "job_result", ["job_id", "stage", "id"])
    op.create_table(
        "job_schedule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("job_type", sa.String(64), nullable=False),
        sa.Column("cron", sa.String(128), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("guards", sa.JSON()),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True)),
        sa.Column("last_job_id", sa.String(32)),
        sa.Column("last_run_at", sa.DateTime(timezone=True)),
        sa.Column("skipped_runs", sa.Integer(), nullable=False),
        sa.Column(
            "created_by_id",
            sa.Integer(),
            sa.ForeignKey(
                "user.id", name="fk_job_schedule_created_by_id_user", ondelete="SET NULL"
            ),
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_job_schedule"),
    )
    op.create_index("ix_job_schedule_next_run_at", "job_schedule", ["next_run_at"])


def downgrade() -> None:
    op.drop_index("ix_job_schedule_next_run_at", "job_schedule")
    op.drop_table("job_schedule")
    op.drop_index("ix_job_result_job_stage", "job_result")
    op.drop_table("job_result")
    with op.batch_alter_table("job") as batch:
        batch.alter_column(
            "state", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False
        )
