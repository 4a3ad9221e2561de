"""level push in flight: a write sent to Shopify and not recorded yet, kept on its levels

Revision ID: 0024_level_push_in_flight
Revises: 0023_held_level_event_index
Create Date: 2026-12-07 05:00:00

A push that died between Shopify applying its `inventorySetQuantities` and our recording it left
no trace: our own echo then merged against the old base and the next push sent the write twice.
The request's idempotency key, the number sent and its base are kept on each level until the
write is recorded, so the next push can resend that request and learn its outcome.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_level_push_in_flight"
down_revision: str | None = "0023_held_level_event_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COLUMNS = ("push_key", "push_sent", "push_from")
INDEX = "ix_inventory_level_in_flight"
IN_FLIGHT = sa.text("push_key IS NOT NULL")


def upgrade() -> None:
    op.add_column("inventory_level", sa.Column("push_key", sa.String(length=64), nullable=True))
    op.add_column("inventory_level", sa.Column("push_sent", sa.Integer(), nullable=True))
    op.add_column("inventory_level", sa.Column("push_from", sa.Integer(), nullable=True))
    op.create_index(
        INDEX, "inventory_level", ["push_key"], sqlite_where=IN_FLIGHT, postgresql_where=IN_FLIGHT
    )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite 3.35+): a batch copy would reflect
    # the tables the level refers to, whose expression indexes SQLAlchemy cannot reflect.
    op.drop_index(INDEX, table_name="inventory_level")
    for column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE inventory_level DROP COLUMN {column}")
