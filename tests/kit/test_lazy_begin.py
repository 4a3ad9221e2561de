"""Which statements a reading request's connection may run before its transaction opens."""

from __future__ import annotations

import pytest

from product_dashboard.kit.lazy_begin import reads_only


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT product.id FROM product WHERE product.deleted_at IS NULL",
        "  WITH matched AS MATERIALIZED (SELECT id FROM product_search)"
        " SELECT count(*) FROM matched",
        "SELECT user.id, EXISTS (SELECT * FROM revoked_token) AS revoked FROM user",
    ],
)
def test_plain_reads_need_no_transaction(sql: str) -> None:
    assert reads_only(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO product (title) VALUES ($1) RETURNING product.id",
        "UPDATE product SET title=$1",
        "DELETE FROM product WHERE id = $1",
        "WITH gone AS (DELETE FROM product RETURNING id) SELECT count(*) FROM gone",
        "SELECT id FROM product FOR UPDATE",
        "SELECT id FROM product FOR NO KEY UPDATE OF product",
        "SELECT id FROM product FOR SHARE",
        "SELECT id INTO TEMPORARY kept FROM product",
        "SELECT pg_advisory_xact_lock_shared($1)",
        "SELECT set_config('work_mem', '8MB', true)",
        "SELECT nextval('product_id_seq')",
        "SET LOCAL plan_cache_mode = force_custom_plan",
        "SAVEPOINT sa_savepoint_1",
        "COPY product FROM STDIN",
    ],
)
def test_anything_else_opens_the_transaction_first(sql: str) -> None:
    assert not reads_only(sql)
