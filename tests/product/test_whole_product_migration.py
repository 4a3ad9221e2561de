"""Migration 0009 adds the whole product's fields and tables and takes them away, keeping products.

Products already linked to Shopify were pulled without media and metafields: their lists are
marked as not read in full, so no push replaces the store's lists with the little held here.
"""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import inspect, text

from product_dashboard import migrate
from product_dashboard.db import create_engine

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REVISION = "0009_whole_product"
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


def _columns(url: str, table: str) -> set[str]:
    async def go() -> set[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                columns = await connection.run_sync(lambda sync: inspect(sync).get_columns(table))
                return {c["name"] for c in columns}
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_upgrade_marks_linked_products_lists_unknown_and_downgrade_keeps_products(
    clean_database: str,
) -> None:
    url = clean_database
    assert REVISION in migrate.revisions_to_head(BEFORE)
    try:
        command.downgrade(migrate.alembic_config(url), BEFORE)
        assert "seo_title" not in _columns(url, "product")
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
            url,
            "SELECT handle, media_complete, metafields_complete, seo_title, gift_card"
            " FROM product ORDER BY handle",
        ) == [("linked", False, False, None, None), ("local", True, True, None, None)]
        assert {"taxable", "tax_code", "requires_shipping", "image_id"} <= _columns(
            url, "product_variant"
        )
        command.downgrade(migrate.alembic_config(url), BEFORE)
        assert "product_metafield" not in _tables(url)
        assert _sql(url, "SELECT handle FROM product ORDER BY handle") == [
            ("linked",),
            ("local",),
        ]
    finally:
        _sql(url, "DELETE FROM product")
        migrate.upgrade(url)  # the database is shared with the tests that follow (PostgreSQL)
    assert "product_metafield" in _tables(url)


def _tables(url: str) -> set[str]:
    async def go() -> set[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(go())
