"""sqlite unicode lower: rebuild the indexes on lower(column) with the app's lower()

Revision ID: 0043_sqlite_unicode_lower
Revises: 0036_whole_product_fields
Create Date: 2026-12-08 00:30:00

SQLite's own lower() folds ASCII letters only. The app now registers a Unicode lower() in its
place on every SQLite connection (`db.unicode_lower`), so the entries of the indexes keyed by
lower(vendor), lower(product_type) and lower(category_name), computed by SQLite's, are
computed again: a product whose vendor is 'Ünïcode Co' was indexed under 'Ünïcode co' and a
filter looking for 'ünïcode co' would not find it. PostgreSQL's lower() follows the database's
locale already: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0043_sqlite_unicode_lower"
down_revision: str | None = "0036_whole_product_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = ("ix_product_live_vendor", "ix_product_live_type", "ix_product_live_category_name")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for index in INDEXES:
        op.execute(f"REINDEX {index}")


def downgrade() -> None:
    # Nothing to undo: entries computed by the Unicode lower() still hold every ASCII-only
    # value as SQLite's own would, and no older schema depends on the rest.
    pass
