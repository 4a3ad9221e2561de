"""import extras: Shopify CSV columns the catalog does not model, kept per product and variant

Revision ID: 0015_import_extras
Revises: 0014_safety_net
Create Date: 2026-12-06 08:50:00

Market prices, Google Shopping and unknown metafield columns of an imported Shopify CSV are kept
(column → text) and written again by the exports, instead of being dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_import_extras"
down_revision: str | None = "0014_safety_net"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMN = "extra_columns"
TABLES = ("product", "product_variant")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column(COLUMN, sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch rebuild of `product` would drop
    # its full-text search triggers with the old table.
    for table in TABLES:
        op.drop_column(table, COLUMN)
