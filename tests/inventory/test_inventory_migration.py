"""Migration 0008: the single quantity moves to the primary location, grams become value + unit,
and the downgrade gives both back."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import text

from product_dashboard import migrate
from product_dashboard.db import create_engine

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REVISION = "0008_inventory"
BEFORE = "0007_user_sessions_revoked_at"


def _sql(url: str, statement: str) -> list[tuple[object, ...]]:
    async def go() -> list[tuple[object, ...]]:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement))
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_quantities_and_weights_survive_both_ways(clean_database: str) -> None:
    url = clean_database
    config = migrate.alembic_config(url)
    command.downgrade(config, BEFORE)
    try:
        _sql(
            url,
            "INSERT INTO product (id, title, handle, description_html, vendor, product_type, "
            "status, total_inventory, search_text, version, open_conflicts) VALUES "
            "(1, 'Cap', 'cap', '', '', '', 'active', 1602, '', 1, 0)",
        )
        _sql(
            url,
            "INSERT INTO product_variant (id, product_id, position, title, price_cents, "
            "inventory_quantity, weight_grams) VALUES "
            "(1, 1, 1, 'S', 100, 1602, 227), (2, 1, 2, 'M', 100, 0, NULL)",
        )
        command.upgrade(config, REVISION)
        locations = _sql(url, "SELECT id, shopify_location_id, is_primary FROM location")
        assert len(locations) == 1
        primary, shopify_id, is_primary = locations[0]
        assert shopify_id is None and is_primary
        levels = _sql(
            url,
            "SELECT variant_id, location_id, available, shopify_available FROM inventory_level "
            "ORDER BY variant_id",
        )
        # What Shopify last had is unknown for migrated rows: NULL, not 0.
        assert levels == [(1, primary, 1602, None), (2, primary, 0, None)]
        weights = _sql(url, "SELECT weight_value, weight_unit FROM product_variant ORDER BY id")
        assert [(Decimal(str(v)) if v is not None else None, u) for v, u in weights] == [
            (Decimal(227), "GRAMS"),
            (None, None),
        ]
        # 8 oz is 226.796185 g: the downgrade rounds it into whole grams.
        _sql(
            url, "UPDATE product_variant SET weight_value = 8, weight_unit = 'OUNCES' WHERE id = 1"
        )
        _sql(url, "UPDATE inventory_level SET available = 1500 WHERE variant_id = 1")
        command.downgrade(config, BEFORE)
        assert _sql(
            url, "SELECT inventory_quantity, weight_grams FROM product_variant ORDER BY id"
        ) == [(1500, 227), (0, None)]
    finally:
        migrate.upgrade(url)  # the database is shared with the tests that follow (PostgreSQL)


def test_an_empty_catalog_gets_no_placeholder_location(clean_database: str) -> None:
    url = clean_database
    command.downgrade(migrate.alembic_config(url), BEFORE)
    migrate.upgrade(url)
    assert _sql(url, "SELECT count(*) FROM location") == [(0,)]
