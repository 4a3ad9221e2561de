"""Migration 0028: on PostgreSQL the facets index goes (no plan there reads it) and the category
indexes leave products without a category out; SQLite keeps its indexes; both ways work."""

from __future__ import annotations

import pytest
from alembic import command

from product_dashboard import migrate
from tests.product.test_whole_product_migration import _sql

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REVISION = "0028_pg_product_indexes"
BEFORE = "0027_collection_synced_base"
FACETS = "ix_product_live_facets"
CATEGORY = ("ix_product_live_category_id", "ix_product_live_category_name")


def _indexes(url: str) -> dict[str, str]:
    """Each of product's indexes by name: its definition as the database holds it."""
    if url.startswith("sqlite"):
        rows = _sql(url, "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'product'")
    else:
        rows = _sql(url, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'product'")
    return {str(name): str(definition) for name, definition in rows}


def test_postgres_drops_facets_and_narrows_category_indexes_and_back(clean_database: str) -> None:
    url = clean_database
    postgres = not url.startswith("sqlite")
    assert REVISION in migrate.revisions_to_head(BEFORE)
    try:
        command.downgrade(migrate.alembic_config(url), BEFORE)
        before = _indexes(url)
        assert FACETS in before
        assert all("IS NOT NULL" not in before[name] for name in CATEGORY)

        command.upgrade(migrate.alembic_config(url), REVISION)
        after = _indexes(url)
        if postgres:
            assert FACETS not in after
            assert "((deleted_at IS NULL) AND (category_id IS NOT NULL))" in after[CATEGORY[0]]
            assert "(lower((category_name)::text) IS NOT NULL)" in after[CATEGORY[1]]
            assert {name: after[name] for name in after if name not in CATEGORY} == {
                name: before[name] for name in before if name not in (FACETS, *CATEGORY)
            }
        else:
            assert after == before

        command.downgrade(migrate.alembic_config(url), BEFORE)
        assert _indexes(url) == before
    finally:
        migrate.upgrade(url)  # the database is shared with the tests that follow (PostgreSQL)
