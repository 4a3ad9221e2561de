"""PostgreSQL: the trigram search index moves from `product` to `product_search`

Revision ID: 0012_search_beside_product
Revises: 0011_batch_cells
Create Date: 2026-12-06 08:30:00

A GIN trigram index on `product` gets ~50 entries for every new row version, so every product
update paid for it (half of a 100,000-product price batch's product update) even when the search
text did not change. `product_search` holds the search text beside the product, fed by triggers
only when it changes, as SQLite's FTS5 table already is (product/search_index.py). SQLite: nothing
changes.
"""

from collections.abc import Sequence

from alembic import op

from product_dashboard.product import search_index

revision: str = "0012_search_beside_product"
down_revision: str | None = "0011_batch_cells"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {search_index.POSTGRES_OLD_INDEX}")
    search_index.install(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    search_index.uninstall(bind)
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {search_index.POSTGRES_OLD_INDEX} ON product "
        "USING gin (search_text gin_trgm_ops)"
    )
