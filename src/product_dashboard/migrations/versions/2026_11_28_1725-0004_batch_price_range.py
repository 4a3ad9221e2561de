"""product batch items: price range before and after a pricing batch

Revision ID: 0004_batch_price_range
Revises: 0003_inbound
Create Date: 2026-11-28 17:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_batch_price_range"
down_revision: str | None = "0003_inbound"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "old_price_min_cents",
    "old_price_max_cents",
    "new_price_min_cents",
    "new_price_max_cents",
)


def upgrade() -> None:
    with op.batch_alter_table("product_batch_item", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product_batch_item", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
