"""local images and linked option values: an uploaded image's stored file; a linked option's
metaobjects

Revision ID: 0018_local_images
Revises: 0017_variant_metafields_complete
Create Date: 2026-12-06 11:00:00

`product_image.local_file` is the content-addressed name (sha256 + extension) of an image uploaded
here; the push sends it to Shopify through a staged upload until Shopify's media id is known.
NULL for an image known by URL. `product_option.linked_metafield_values` maps each value of a
metafield-linked option to the metaobject it is in Shopify (its gid), as pulled: productSet links
an option by those ids, not by value names.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_local_images"
down_revision: str | None = "0017_variant_metafields_complete"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("product_image", sa.Column("local_file", sa.String(80), nullable=True))
    op.add_column("product_option", sa.Column("linked_metafield_values", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("product_option", "linked_metafield_values")
    op.drop_column("product_image", "local_file")
