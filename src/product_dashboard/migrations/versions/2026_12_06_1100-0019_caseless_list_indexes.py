"""List filters seek an index on both databases; PostgreSQL variants keep room for a price batch

Revision ID: 0019_caseless_list_indexes
Revises: 0018_local_images
Create Date: 2026-12-06 11:00:00

The vendor and type filters (and smart collections' VENDOR/TYPE rules) match whatever the case:
their partial indexes are keyed by lower(column) (then the column, so a count reads the index
alone), where before the filter first scanned the whole column's index for its spellings. The
category filter gets partial indexes on category_id and lower(category_name); the metafield
lookup holds the value's first 64 characters.

PostgreSQL keeps no statistics on the expressions of a partial index, so it guessed 0.5 % of
the catalog for any vendor: extended statistics on each lower(column) give it the real spread,
analyzed here unless the catalog is empty (a vendor with 5 % of 100k products: its newest-first
page walks the updated_at index, 1.6 ms, where the guess sorted all 5,072 matches, 20.7 ms).

PostgreSQL: `product_variant` pages are filled to half (was 85 %, 0013), so a price batch over
the whole catalog writes every new row version in its own page (a HOT update, no index entries):
the UPDATE of 300,000 variants took 2.8 s of server CPU, 0.7 s with it. The table is rewritten
here (CLUSTER, under an exclusive lock) so existing pages get the room too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_caseless_list_indexes"
down_revision: str | None = "0018_local_images"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("deleted_at IS NULL")
# As declared in models/product.py on the day of this migration.
NEW_PRODUCT_INDEXES: dict[str, list[str | sa.TextClause]] = {
    "ix_product_live_vendor": [sa.text("lower(vendor)"), "vendor", "deleted_at"],
    "ix_product_live_type": [sa.text("lower(product_type)"), "product_type", "deleted_at"],
    "ix_product_live_category_id": ["category_id", "deleted_at"],
    "ix_product_live_category_name": [sa.text("lower(category_name)"), "deleted_at"],
}
OLD_PRODUCT_INDEXES = {
    "ix_product_live_vendor": ["vendor", "deleted_at"],
    "ix_product_live_type": ["product_type", "deleted_at"],
}
METAFIELD_LOOKUP = "ix_product_metafield_lookup"
# PostgreSQL: extended statistics name -> the expression they describe.
STATISTICS = {
    "st_product_lower_vendor": "lower(vendor)",
    "st_product_lower_type": "lower(product_type)",
    "st_product_lower_category_name": "lower(category_name)",
}
VARIANT_FILLFACTOR = 50
OLD_VARIANT_FILLFACTOR = 85


def _product_index(name: str, columns: Sequence[str | sa.TextClause]) -> None:
    op.create_index(name, "product", list(columns), postgresql_where=LIVE, sqlite_where=LIVE)


def _has_rows(table: str) -> bool:
    return bool(op.get_bind().scalar(sa.text(f"SELECT EXISTS (SELECT 1 FROM {table})")))


def _variant_fillfactor(percent: int) -> None:
    op.execute(f"ALTER TABLE product_variant SET (fillfactor = {percent})")
    # Rewritten only when it holds rows (an empty table rewritten says "0 rows", see below).
    if _has_rows("product_variant"):
        op.execute("CLUSTER product_variant USING pk_product_variant")
        op.execute("ALTER TABLE product_variant SET WITHOUT CLUSTER")


def _analyze_unless_empty(table: str) -> None:
    """A catalog gets its new statistics now. An empty table is left unanalyzed: analyzed, it
    says "0 rows", and the foreign key checks of a first large load in one transaction (a pull,
    an import) then scan it for every row instead of probing its primary key."""
    if _has_rows(table):
        op.execute(f"ANALYZE {table}")


def upgrade() -> None:
    for name in OLD_PRODUCT_INDEXES:
        op.drop_index(name, table_name="product")
    for name, columns in NEW_PRODUCT_INDEXES.items():
        _product_index(name, columns)
    op.drop_index(METAFIELD_LOOKUP, table_name="product_metafield")
    op.create_index(
        METAFIELD_LOOKUP,
        "product_metafield",
        ["namespace", "key", sa.text("substr(value, 1, 64)"), "product_id"],
    )
    if op.get_bind().dialect.name == "postgresql":
        for name, expression in STATISTICS.items():
            op.execute(f"CREATE STATISTICS {name} ON ({expression}) FROM product")
        _analyze_unless_empty("product")
        _variant_fillfactor(VARIANT_FILLFACTOR)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _variant_fillfactor(OLD_VARIANT_FILLFACTOR)
        for name in STATISTICS:
            op.execute(f"DROP STATISTICS IF EXISTS {name}")
    op.drop_index(METAFIELD_LOOKUP, table_name="product_metafield")
    op.create_index(METAFIELD_LOOKUP, "product_metafield", ["namespace", "key", "product_id"])
    for name in NEW_PRODUCT_INDEXES:
        op.drop_index(name, table_name="product")
    for name, columns in OLD_PRODUCT_INDEXES.items():
        _product_index(name, columns)
