"""PostgreSQL keeps only the product indexes it reads, and its category indexes hold only products
that have a category

Revision ID: 0028_pg_product_indexes
Revises: 0027_collection_synced_base
Create Date: 2026-12-07 19:00:00

A product write on PostgreSQL is never a HOT update (it changes indexed columns), so each new
row version gets an entry in every index of `product` whose WHERE it meets: a price batch over
100k products paid ~0.2 s of server CPU per index. No PostgreSQL plan reads
ix_product_live_facets (SQLite's list is told to use it by `INDEXED BY`): dropped there. The
category filter seeks `category_id = …` and `lower(category_name) = …`, which imply the key is
not NULL, so those two indexes now leave products without a category out. SQLite: unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_pg_product_indexes"
down_revision: str | None = "0027_collection_synced_base"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "deleted_at IS NULL"
FACETS = "ix_product_live_facets"
FACETS_COLUMNS = ["id", "status", "price_min_cents", "price_max_cents", "deleted_at"]
# As declared in models/product.py on the day of this migration: name -> key.
CATEGORY_INDEXES = {
    "ix_product_live_category_id": "category_id",
    "ix_product_live_category_name": "lower(category_name)",
}


def _on_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _category_indexes(where: str) -> None:
    for name, key in CATEGORY_INDEXES.items():
        op.drop_index(name, table_name="product")
        op.create_index(
            name,
            "product",
            [sa.text(key), "deleted_at"],
            postgresql_where=sa.text(where.format(key=key)),
        )


def upgrade() -> None:
    if not _on_postgres():
        return
    op.drop_index(FACETS, table_name="product")
    _category_indexes(f"{LIVE} AND {{key}} IS NOT NULL")


def downgrade() -> None:
    if not _on_postgres():
        return
    _category_indexes(LIVE)
    op.create_index(FACETS, "product", FACETS_COLUMNS, postgresql_where=sa.text(LIVE))
