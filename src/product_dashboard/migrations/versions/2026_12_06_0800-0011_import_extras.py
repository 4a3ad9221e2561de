"""import extras: Shopify CSV columns the catalog does not model, kept per product and variant

Revision ID: 0011_import_extras
Revises: 0009_whole_product (0007 until the merge of #16 item 1's model; the lead re-chains)
Create Date: 2026-12-06 08:00:00

Market prices, Google Shopping and unknown metafield columns of an imported Shopify CSV are kept
(column → text) and written again by the exports, instead of being dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from product_dashboard.product import search_index

revision: str = "0011_import_extras"
down_revision: str | None = "0009_whole_product"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMN = "extra_columns"
TABLES = ("product", "product_variant")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column(COLUMN, sa.JSON(), nullable=True))
    # 0009_whole_product's batch rewrite of `product` drops SQLite's full-text triggers with the
    # old table; installing the search index again is idempotent (IF NOT EXISTS).
    search_index.install(op.get_bind())


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(COLUMN)
