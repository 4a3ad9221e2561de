"""product facets index: status and prices of live products by id, for search and tag counts

Revision ID: 0006_product_facets_index
Revises: 0005_product_list_perf
Create Date: 2026-11-29 01:00:00

A full-text or tag search's count looks up each match by id to test its status and price. Read
from the product row, each lookup walks the wide table (descriptions, snapshots); this partial
index holds just those columns of live products, keyed by id.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_product_facets_index"
down_revision: str | None = "0005_product_list_perf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("deleted_at IS NULL")
# As declared in models/product.py on the day of this migration.
NAME = "ix_product_live_facets"
COLUMNS = ["id", "status", "price_min_cents", "price_max_cents", "deleted_at"]


def upgrade() -> None:
    op.create_index(NAME, "product", COLUMNS, postgresql_where=LIVE, sqlite_where=LIVE)


def downgrade() -> None:
    op.drop_index(NAME, table_name="product")
