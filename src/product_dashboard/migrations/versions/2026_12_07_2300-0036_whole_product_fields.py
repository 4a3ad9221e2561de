"""the last settable product fields: gift card template, selling plan only, combined listing
role; a variant's unit price display and bundle components; its item's province of origin and
per-country HS codes

Revision ID: 0036_whole_product_fields
Revises: 0034_batch_staging_batch_index
Create Date: 2026-12-07 23:00:00

All nullable: NULL is "not known here" (rows pulled before this, products never read), and a push
sends a field only when it is known. `country_hs_codes` holds the whole list as
`CountryHsCodes.text()` ("CA 150920.00, US 1509.20.2000"; "" when read and none).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036_whole_product_fields"
down_revision: str | None = "0034_batch_staging_batch_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PRODUCT = (
    ("gift_card_template_suffix", sa.String(255)),
    ("requires_selling_plan", sa.Boolean()),
    ("combined_listing_role", sa.String(8)),
)
_VARIANT = (
    ("show_unit_price", sa.Boolean()),
    ("requires_components", sa.Boolean()),
    ("province_code_of_origin", sa.String(8)),
    ("country_hs_codes", sa.Text()),
)


def upgrade() -> None:
    # Plain ADD / DROP COLUMN (both databases have them): a batch would copy `product`, whose
    # expression indexes SQLite's reflection cannot carry over.
    for table, columns in (("product", _PRODUCT), ("product_variant", _VARIANT)):
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for table, columns in (("product_variant", _VARIANT), ("product", _PRODUCT)):
        for name, _ in reversed(columns):
            op.drop_column(table, name)
