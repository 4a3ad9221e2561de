"""Migration 0034: the batch staging tables lose their primary keys for an index on the batch; the
rows staged before it are kept and still read by batch; both ways work, on both databases."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import Connection, inspect

from product_dashboard import migrate
from product_dashboard.db import create_engine
from tests.product.test_whole_product_migration import _sql

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REVISION = "0034_batch_staging_batch_index"
BEFORE = "0037_product_deletion_index"
STAGING = {"product_batch_item": "product_id", "product_batch_variant": "variant_id"}


def _keys(url: str, table: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The table's primary key columns, and its indexes (name, columns)."""

    def read(sync: Connection) -> tuple[list[str], list[tuple[str, list[str]]]]:
        inspector = inspect(sync)
        primary = list(inspector.get_pk_constraint(table)["constrained_columns"])
        indexes = [(str(i["name"]), list(i["column_names"])) for i in inspector.get_indexes(table)]
        return primary, sorted(indexes)

    async def go() -> tuple[list[str], list[tuple[str, list[str]]]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(read)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_staging_keys_become_a_batch_index_and_back(clean_database: str) -> None:
    url = clean_database
    assert REVISION in migrate.revisions_to_head(BEFORE)
    try:
        command.downgrade(migrate.alembic_config(url), BEFORE)
        for table, key in STAGING.items():
            assert _keys(url, table) == (["batch_id", key], [])
        _sql(url, "INSERT INTO product_batch_item (batch_id, product_id) VALUES ('b1', 7)")
        _sql(
            url,
            "INSERT INTO product_batch_variant (batch_id, variant_id, product_id, old_price_cents,"
            " new_price_cents) VALUES ('b1', 70, 7, 1999, 2099)",
        )

        command.upgrade(migrate.alembic_config(url), REVISION)
        for table in STAGING:
            assert _keys(url, table) == ([], [(f"ix_{table}_batch_id", ["batch_id"])])
        assert _sql(url, "SELECT product_id FROM product_batch_item WHERE batch_id = 'b1'") == [
            (7,)
        ]
        assert _sql(
            url,
            "SELECT variant_id, old_price_cents, new_price_cents FROM product_batch_variant"
            " WHERE batch_id = 'b1'",
        ) == [(70, 1999, 2099)]

        command.downgrade(migrate.alembic_config(url), BEFORE)
        for table, key in STAGING.items():
            assert _keys(url, table) == (["batch_id", key], [])
        assert _sql(url, "SELECT count(*) FROM product_batch_variant") == [(1,)]
    finally:
        migrate.upgrade(url)  # the database is shared with the tests that follow (PostgreSQL)
