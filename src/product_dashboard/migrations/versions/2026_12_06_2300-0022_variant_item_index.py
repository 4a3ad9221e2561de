"""variant item index: look a variant up by its inventory item

Revision ID: 0022_variant_item_index
Revises: 0021_one_price_index
Create Date: 2026-12-06 23:00:00

Every `inventory_levels/update` finds its variant by `shopify_inventory_item_id`. Since pulls
and webhook creates record the item (they used to leave it NULL until a push looked it up), most
level events find one, and each one scanned `product_variant` to do it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_variant_item_index"
down_revision: str | None = "0021_one_price_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_product_variant_shopify_inventory_item_id"


def upgrade() -> None:
    op.create_index(INDEX, "product_variant", ["shopify_inventory_item_id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="product_variant")
