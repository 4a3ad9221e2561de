"""product list indexes: partial covering indexes over live products, tombstone and tag-key indexes

Revision ID: 0005_product_list_perf
Revises: 0004_batch_price_range
Create Date: 2026-11-28 19:40:00

The single-column indexes on status, vendor, product_type, prices, updated_at and deleted_at make
way for partial indexes over live products (deleted_at IS NULL) that cover the list's counts;
updated_at stays in one of them (each index holding it costs every product update a rewrite);
tombstones get their own tiny partial index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_product_list_perf"
down_revision: str | None = "0004_batch_price_range"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("deleted_at IS NULL")
TOMBSTONE = sa.text("deleted_at IS NOT NULL")

# name -> indexed columns; every one ends with deleted_at (see models/product.py for why).
LIVE_INDEXES = {
    "ix_product_live_updated": ["updated_at", "deleted_at"],
    "ix_product_live_status": ["status", "deleted_at"],
    "ix_product_live_vendor": ["vendor", "deleted_at"],
    "ix_product_live_type": ["product_type", "deleted_at"],
    "ix_product_live_price_min": ["price_min_cents", "deleted_at"],
    "ix_product_live_price_max": ["price_max_cents", "price_min_cents", "deleted_at"],
}
# The indexes these replace: name -> column.
OLD_INDEXES = {
    "ix_product_deleted_at": "deleted_at",
    "ix_product_updated_at": "updated_at",
    "ix_product_status": "status",
    "ix_product_vendor": "vendor",
    "ix_product_product_type": "product_type",
    "ix_product_price_min_cents": "price_min_cents",
    "ix_product_price_max_cents": "price_max_cents",
}


def upgrade() -> None:
    for name in OLD_INDEXES:
        op.drop_index(name, table_name="product")
    for name, columns in LIVE_INDEXES.items():
        op.create_index(
            name, "product", columns, postgresql_where=LIVE, sqlite_where=LIVE, unique=False
        )
    op.create_index(
        "ix_product_tombstone",
        "product",
        ["id"],
        postgresql_where=TOMBSTONE,
        sqlite_where=TOMBSTONE,
        unique=False,
    )
    op.drop_index("ix_product_tag_tag_key", table_name="product_tag")
    op.create_index("ix_product_tag_tag_key", "product_tag", ["tag_key", "product_id"])


def downgrade() -> None:
    op.drop_index("ix_product_tag_tag_key", table_name="product_tag")
    op.create_index("ix_product_tag_tag_key", "product_tag", ["tag_key"])
    op.drop_index("ix_product_tombstone", table_name="product")
    for name in LIVE_INDEXES:
        op.drop_index(name, table_name="product")
    for name, column in OLD_INDEXES.items():
        op.create_index(name, "product", [column], unique=False)
