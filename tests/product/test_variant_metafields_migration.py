"""Migration 0017: linked products' variant metafields become "not known in full"; products made
here keep theirs known; downgrade drops the marker and keeps the products."""

from __future__ import annotations

import pytest
from alembic import command

from product_dashboard import migrate
from tests.product.test_whole_product_migration import _columns, _sql

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REVISION = "0017_variant_metafields_complete"
BEFORE = "0016_job_lease_owner"


def test_upgrade_marks_linked_products_variant_metafields_unknown(clean_database: str) -> None:
    url = clean_database
    assert REVISION in migrate.revisions_to_head(BEFORE)
    try:
        command.downgrade(migrate.alembic_config(url), BEFORE)
        assert "variant_metafields_complete" not in _columns(url, "product")
        _sql(
            url,
            "INSERT INTO product (title, handle, description_html, vendor, product_type, status,"
            " total_inventory, search_text, version, open_conflicts, shopify_product_id,"
            " created_at, updated_at) VALUES"
            " ('Linked', 'linked', '', '', '', 'active', 0, '', 1, 0, 'gid://shopify/Product/1',"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
            " ('Local', 'local', '', '', '', 'draft', 0, '', 1, 0, NULL,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        )
        command.upgrade(migrate.alembic_config(url), REVISION)
        assert _sql(
            url, "SELECT handle, variant_metafields_complete FROM product ORDER BY handle"
        ) == [("linked", False), ("local", True)]
        command.downgrade(migrate.alembic_config(url), BEFORE)
        assert "variant_metafields_complete" not in _columns(url, "product")
        assert _sql(url, "SELECT handle FROM product ORDER BY handle") == [
            ("linked",),
            ("local",),
        ]
    finally:
        _sql(url, "DELETE FROM product")
        migrate.upgrade(url)  # the database is shared with the tests that follow (PostgreSQL)
    assert "variant_metafields_complete" in _columns(url, "product")
