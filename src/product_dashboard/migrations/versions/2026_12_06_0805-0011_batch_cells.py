"""batch cells: a grid batch's cells with their values before and after, for undo and audit

Revision ID: 0011_batch_cells
Revises: 0010_saved_views
Create Date: 2026-12-06 08:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_batch_cells"
down_revision: str | None = "0010_saved_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_batch_cell",
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["product_batch.id"],
            name="fk_product_batch_cell_batch_id_product_batch",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "batch_id", "product_id", "variant_id", "field", name="pk_product_batch_cell"
        ),
    )


def downgrade() -> None:
    op.drop_table("product_batch_cell")
