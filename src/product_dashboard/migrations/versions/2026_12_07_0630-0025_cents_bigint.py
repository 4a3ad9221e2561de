"""cents bigint: amounts in cents are 64-bit on PostgreSQL

Revision ID: 0025_cents_bigint
Revises: 0024_level_push_in_flight
Create Date: 2026-12-07 06:30:00

A price of 25,000,000.00 (a laptop in dong or rupiah, a car in yen) is past 2^31 - 1 cents: the
pull refused such a product ("value out of int32 range") and the API answered 500. The columns
holding cents become BIGINT on PostgreSQL; SQLite's INTEGER is 64-bit already (nothing to do).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_cents_bigint"
down_revision: str | None = "0024_level_push_in_flight"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "product": ("price_min_cents", "price_max_cents"),
    "product_variant": ("price_cents", "compare_at_price_cents", "cost_cents"),
    "product_batch_item": (
        "old_price_min_cents",
        "old_price_max_cents",
        "new_price_min_cents",
        "new_price_max_cents",
    ),
    "product_batch_variant": (
        "old_price_cents",
        "old_compare_at_price_cents",
        "new_price_cents",
        "new_compare_at_price_cents",
    ),
}


def _retype(to: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        # One ALTER TABLE a table: PostgreSQL rewrites it (and its indexes) once.
        changes = ", ".join(f"ALTER COLUMN {column} TYPE {to}" for column in columns)
        op.execute(sa.text(f"ALTER TABLE {table} {changes}"))


def upgrade() -> None:
    _retype("BIGINT")


def downgrade() -> None:
    _retype("INTEGER")
