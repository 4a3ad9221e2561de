"""variant unit price measurement: Shopify's ProductVariant.unitPriceMeasurement

Revision ID: 0031_variant_unit_price
Revises: 0028_pg_product_indexes
Create Date: 2026-12-07 20:00:00

"750 ML, priced per 100 ML": four columns, all set or all NULL. NULL is "not known here" (rows
pulled before this, products never read): a push sends the measurement only when one is held.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031_variant_unit_price"
down_revision: str | None = "0028_pg_product_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("unit_price_quantity_value", sa.Numeric(18, 9)),
    ("unit_price_quantity_unit", sa.String(8)),
    ("unit_price_reference_value", sa.Integer()),
    ("unit_price_reference_unit", sa.String(8)),
)


# Plain ADD/DROP COLUMN (SQLite has both): a batch copy of product_variant would reflect the
# product table it refers to, whose expression indexes SQLAlchemy cannot reflect (a warning).
def upgrade() -> None:
    for name, type_ in _COLUMNS:
        op.add_column("product_variant", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(_COLUMNS):
        op.drop_column("product_variant", name)
