"""Caseless matching folds every letter, not only ASCII: the vendor, type and category filters
and smart collections' rules find 'Çà et là' and 'Ünïcode Co' whatever the case asked (SQLite's
own lower() left 'Ç' and 'Ü' as they were; migration 0043 rebuilt its indexes)."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from alembic import command
from sqlalchemy import make_url

from product_dashboard import migrate
from tests.product.factories import create_product
from tests.product.test_whole_product_migration import _sql

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]
REVISION = "0043_sqlite_unicode_lower"
BEFORE = "0036_whole_product_fields"


async def _total(client: httpx.AsyncClient, headers: Headers, **params: str) -> int:
    response = await client.get("/api/products", params=params, headers=headers)
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


async def test_filters_match_accented_letters_in_any_case(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await create_product(
        client,
        editor_headers,
        title="Çà et là — Tee",
        vendor="Ünïcode Co",
        product_type="Été",
        category={"id": None, "name": "Vêtements Ärmel"},
    )
    await create_product(client, editor_headers, title="Plain Tee", vendor="Acme")
    for vendor in ("Ünïcode Co", "ünïcode co", "ÜNÏCODE CO"):
        assert await _total(client, editor_headers, vendor=vendor) == 1, vendor
    for product_type in ("Été", "été", "ÉTÉ"):
        assert await _total(client, editor_headers, product_type=product_type) == 1
    assert await _total(client, editor_headers, category="VÊTEMENTS ÄRMEL") == 1
    assert await _total(client, editor_headers, vendor="acme") == 1


@pytest.mark.parametrize(
    ("column", "relation", "condition"),
    [
        ("TITLE", "CONTAINS", "ÇÀ ET"),
        ("TITLE", "CONTAINS", "çà et"),
        ("TITLE", "STARTS_WITH", "Çà"),
        ("TITLE", "EQUALS", "ÇÀ ET LÀ — TEE"),
        ("VENDOR", "EQUALS", "ünïcode co"),
        ("TYPE", "EQUALS", "ÉTÉ"),
    ],
)
async def test_smart_collections_match_accented_letters_in_any_case(
    client: httpx.AsyncClient, editor_headers: Headers, column: str, relation: str, condition: str
) -> None:
    await create_product(
        client, editor_headers, title="Çà et là — Tee", vendor="Ünïcode Co", product_type="Été"
    )
    await create_product(client, editor_headers, title="Plain Tee", vendor="Acme")
    rule = {"column": column, "relation": relation, "condition": condition}
    response = await client.post(
        "/api/collections", json={"title": "Accents", "rules": [rule]}, headers=editor_headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["products_count"] == 1


def test_migration_rebuilds_sqlite_indexes_on_lower(clean_database: str) -> None:
    url = clean_database
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL's lower() follows the database's locale: nothing to rebuild")
    assert REVISION in migrate.revisions_to_head(BEFORE)
    try:
        command.downgrade(migrate.alembic_config(url), BEFORE)
        _sql(
            url,
            "INSERT INTO product (title, handle, description_html, vendor, product_type, status,"
            " total_inventory, search_text, version, open_conflicts, created_at, updated_at)"
            " VALUES ('x', 'x', '', '', '', 'active', 0, 'x', 1, 0, '2026-12-08', '2026-12-08')",
        )
        # As the older code wrote it: the index entry computed by SQLite's own lower().
        database = make_url(url).database
        assert database
        with sqlite3.connect(database) as raw:
            raw.execute("UPDATE product SET vendor = 'Ünïcode Co', product_type = 'Été'")
        seek = (
            "SELECT count(*) FROM product INDEXED BY ix_product_live_vendor"
            " WHERE lower(vendor) = 'ünïcode co' AND deleted_at IS NULL"
        )
        assert _sql(url, seek) == [(0,)]
        command.upgrade(migrate.alembic_config(url), REVISION)
        assert _sql(url, seek) == [(1,)]
    finally:
        migrate.upgrade(url)
