"""product deletion index: list products deleted because Shopify deleted them without a scan

Revision ID: 0037_product_deletion_index
Revises: 0032_alerts_kept
Create Date: 2026-12-07 22:10:00

`GET /api/products/deleted` (the Activity page's "Deleted in Shopify") read the audit log
newest first until it had a page of product deletions: every price batch writes an entry per
product, so after a few batches over a large catalog that walk read millions of entries. A
partial index holds only the product deletions.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037_product_deletion_index"
down_revision: str | None = "0032_alerts_kept"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_audit_event_product_deletion"
PRODUCT_DELETION = sa.text("entity_type = 'product' AND action = 'delete'")


def upgrade() -> None:
    op.create_index(
        INDEX,
        "audit_event",
        ["id"],
        sqlite_where=PRODUCT_DELETION,
        postgresql_where=PRODUCT_DELETION,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="audit_event")
