"""variant metafields complete: whether every variant's metafields of a product are known here

Revision ID: 0017_variant_metafields_complete
Revises: 0016_job_lease_owner
Create Date: 2026-12-06 10:30:00

productSet replaces a variant's metafield list when given one. Products already linked to Shopify
may have been pulled in bulk, which did not read their variants' metafields: those are marked as
not known in full, so no push replaces the store's lists with the little held here. A pull that
reads every variant's metafields marks them known again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_variant_metafields_complete"
down_revision: str | None = "0016_job_lease_owner"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (a batch rebuild would drop the full-text triggers on SQLite).
    op.add_column(
        "product",
        sa.Column(
            "variant_metafields_complete", sa.Boolean(), server_default=sa.true(), nullable=False
        ),
    )
    op.execute(
        "UPDATE product SET variant_metafields_complete = false "
        "WHERE shopify_product_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("product", "variant_metafields_complete")
