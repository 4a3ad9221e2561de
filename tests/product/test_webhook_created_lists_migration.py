"""Migration 0020: products a webhook created stop claiming the store's media and metafield
lists; every other product keeps its marks."""

from __future__ import annotations

import pytest
from alembic import command

from product_dashboard import migrate
from tests.product.test_whole_product_migration import _sql

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REVISION = "0020_webhook_lists_unknown"
BEFORE = "0019_caseless_list_indexes"


def test_upgrade_marks_lists_of_webhook_created_products_unknown(clean_database: str) -> None:
    url = clean_database
    assert REVISION in migrate.revisions_to_head(BEFORE)
    try:
        command.downgrade(migrate.alembic_config(url), BEFORE)
        _sql(
            url,
            "INSERT INTO product (id, title, handle, description_html, vendor, product_type,"
            " status, total_inventory, search_text, version, open_conflicts, created_at,"
            " updated_at) VALUES"
            " (1, 'From a webhook', 'hooked', '', '', '', 'active', 0, '', 1, 0,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
            " (2, 'Pulled', 'pulled', '', '', '', 'active', 0, '', 1, 0,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        )
        _sql(
            url,
            "INSERT INTO audit_event (at, source, entity_type, entity_id, action) VALUES"
            " (CURRENT_TIMESTAMP, 'webhook', 'product', '1', 'create'),"
            " (CURRENT_TIMESTAMP, 'webhook', 'product', '2', 'update'),"
            " (CURRENT_TIMESTAMP, 'sync', 'product', '2', 'create')",
        )
        command.upgrade(migrate.alembic_config(url), REVISION)
        assert _sql(
            url, "SELECT handle, media_complete, metafields_complete FROM product ORDER BY id"
        ) == [("hooked", False, False), ("pulled", True, True)]
    finally:
        _sql(url, "DELETE FROM audit_event")
        _sql(url, "DELETE FROM product")
        migrate.upgrade(url)  # the database is shared with the tests that follow (PostgreSQL)
