"""saved views: filters, sort and columns of the product list or bulk editor, per user, shareable

Revision ID: 0010_saved_views
Revises: 0009_whole_product
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_saved_views"
down_revision: str | None = "0009_whole_product"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("sort", sa.String(length=200), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name="fk_saved_view_owner_id_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_saved_view"),
    )
    op.create_index("ix_saved_view_owner_id_name", "saved_view", ["owner_id", "name"], unique=True)
    op.create_index("ix_saved_view_shared", "saved_view", ["shared"])


def downgrade() -> None:
    op.drop_index("ix_saved_view_shared", table_name="saved_view")
    op.drop_index("ix_saved_view_owner_id_name", table_name="saved_view")
    op.drop_table("saved_view")
