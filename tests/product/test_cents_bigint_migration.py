"""Migration 0025: prices past 2^31 - 1 cents (25,000,000.00 in dong or rupiah) fit on
PostgreSQL; the rows already there keep their amounts, and the downgrade is possible."""

from __future__ import annotations

import pytest
from alembic import command

from product_dashboard import migrate
from tests.product.test_whole_product_migration import _sql

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REVISION = "0025_cents_bigint"
BEFORE = "0024_level_push_in_flight"
PRODUCT = (
    "INSERT INTO product (id, title, handle, description_html, vendor, product_type, status,"
    " total_inventory, search_text, version, open_conflicts, price_min_cents, price_max_cents,"
    " created_at, updated_at) VALUES (1, 'Laptop', 'laptop', '', '', '', 'active', 0, '', 1, 0,"
    " {low}, {high}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


def test_upgrade_takes_prices_past_32_bits_and_keeps_those_there(clean_database: str) -> None:
    url = clean_database
    assert REVISION in migrate.revisions_to_head(BEFORE)
    try:
        command.downgrade(migrate.alembic_config(url), BEFORE)
        _sql(url, PRODUCT.format(low=1999, high=2_147_483_647))
        command.upgrade(migrate.alembic_config(url), REVISION)
        assert _sql(url, "SELECT price_min_cents, price_max_cents FROM product") == [
            (1999, 2_147_483_647)
        ]
        _sql(url, "UPDATE product SET price_max_cents = 2500000000")
        assert _sql(url, "SELECT price_max_cents FROM product") == [(2_500_000_000,)]
        _sql(url, "UPDATE product SET price_max_cents = 2147483647")
        command.downgrade(migrate.alembic_config(url), BEFORE)
        assert _sql(url, "SELECT price_max_cents FROM product") == [(2_147_483_647,)]
    finally:
        _sql(url, "DELETE FROM product")
        migrate.upgrade(url)  # the database is shared with the tests that follow (PostgreSQL)
