"""updated index holds the id: a newest-first page's ids read from the index alone (PostgreSQL)

Revision ID: 0026_updated_index_holds_the_id
Revises: 0025_cents_bigint
Create Date: 2026-12-07 17:00:00

The default list page (newest first) walks ix_product_live_updated and keeps the ids of the first
offset + limit entries. On PostgreSQL an index entry points at the row, so the walk visited the
row of every entry it passed for its id: 1,000 rows for page 20. The index now holds the id as
an INCLUDE column and the walk is an index-only scan. SQLite's index entries end with the rowid,
which is the id: nothing changes there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_updated_index_holds_the_id"
down_revision: str | None = "0025_cents_bigint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPDATED = "ix_product_live_updated"
LIVE = sa.text("deleted_at IS NULL")


def _rebuild(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(UPDATED, table_name="product")
    op.create_index(
        UPDATED,
        "product",
        ["updated_at", "deleted_at"],
        postgresql_include=include,
        postgresql_where=LIVE,
    )


def upgrade() -> None:
    _rebuild(["id"])


def downgrade() -> None:
    _rebuild([])
