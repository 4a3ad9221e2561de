"""The migrations build what the models declare, and SQLite answers list queries from the indexes
they were made for (no statistics needed: the plans follow from how the SQL is written)."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Connection, Index, Select, insert, inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from product_dashboard.inventory.inbound import variants_of_items
from product_dashboard.models import (
    Collection,
    CollectionProduct,
    Model,
    Product,
    ProductMetafield,
    ProductTag,
)
from product_dashboard.models.base import built_on
from product_dashboard.product import search_index
from product_dashboard.product.filters import ProductFilter
from product_dashboard.product.listing import (
    count_statement,
    page_and_total_statement,
    page_statement,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

# The full-text index lives outside the models (see migrations/env.py).
OUTSIDE_MODELS = search_index.OUTSIDE_MODELS


def _on_expressions(obj: object) -> bool:
    return isinstance(obj, Index) and any(
        not isinstance(expression, Column) for expression in obj.expressions
    )


def _differences(connection: Connection) -> list[Any]:
    # SQLite's reflection skips indexes on expressions (lower(vendor)...): compared on PostgreSQL.
    sqlite = connection.dialect.name == "sqlite"

    def include(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
        if sqlite and _on_expressions(obj):
            return False
        return built_on(obj, connection.dialect.name) and not (name or "").startswith(
            OUTSIDE_MODELS
        )

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include}
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        return list(compare_metadata(context, Model.metadata))


async def test_models_match_the_migrated_schema(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


def _included(connection: Connection) -> dict[str, list[str]]:
    indexes = inspect(connection).get_indexes(Product.__tablename__)
    included = {
        str(index["name"]): index.get("dialect_options", {}).get("postgresql_include")
        for index in indexes
    }
    return {name: list(columns) for name, columns in included.items() if columns}


async def test_postgres_indexes_include_what_the_models_declare(
    engine: AsyncEngine, database_url: str
) -> None:
    """Alembic's comparison above does not look at INCLUDE columns: compared here."""
    if database_url.startswith("sqlite"):
        pytest.skip("INCLUDE is PostgreSQL's")
    declared = {
        str(index.name): list(index.dialect_options["postgresql"]["include"])
        for index in Product.__table__.indexes
        if index.dialect_options["postgresql"]["include"]
    }
    async with engine.connect() as connection:
        assert await connection.run_sync(_included) == declared


PREDICATES = (
    "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i"
    " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'product'::regclass"
)


async def test_postgres_partial_indexes_hold_the_rows_the_models_declare(
    engine: AsyncEngine, database_url: str
) -> None:
    """Alembic's comparison does not look at an index's WHERE either. Each declared predicate is
    given to PostgreSQL on a scratch index, so both are compared in PostgreSQL's own words."""
    if database_url.startswith("sqlite"):
        pytest.skip("compared on PostgreSQL")
    declared = {
        str(index.name): index.dialect_options["postgresql"]["where"]
        for index in Product.__table__.indexes
        if built_on(index, "postgresql")
    }
    async with engine.connect() as connection:
        built = {str(row[0]): row[1] for row in await connection.exec_driver_sql(PREDICATES)}
        await connection.rollback()
        assert set(declared) <= set(built)
        for name, where in declared.items():
            wanted = None
            if where is not None:
                sql = where.compile(connection.sync_engine, compile_kwargs={"literal_binds": True})
                transaction = await connection.begin()
                await connection.exec_driver_sql(
                    f"CREATE INDEX ix_declared ON product (id) WHERE {sql}"
                )
                scratch = await connection.exec_driver_sql(
                    PREDICATES + " AND c.relname = 'ix_declared'"
                )
                wanted = scratch.one()[1]
                await transaction.rollback()
            assert built[name] == wanted, name


async def _plan(engine: AsyncEngine, statement: Select[Any]) -> str:
    sql = statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
    async with engine.connect() as connection:
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
        return " / ".join(str(tuple(row)[3]) for row in rows)


async def test_a_level_event_seeks_its_variant_by_inventory_item(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan follows from the SQL; PostgreSQL's from statistics")
    plan = await _plan(engine, variants_of_items(["gid://shopify/InventoryItem/1"]))
    assert "INDEX ix_product_variant_shopify_inventory_item_id" in plan, plan


def _filter(**values: Any) -> ProductFilter:
    return ProductFilter.model_validate(values)


@pytest.mark.parametrize(
    ("values", "index"),
    [
        ({}, "COVERING INDEX ix_product_live_"),
        ({"status": ["draft"]}, "COVERING INDEX ix_product_live_status"),
        ({"vendor": "Acme"}, "COVERING INDEX ix_product_live_vendor"),
        ({"product_type": "Hats"}, "COVERING INDEX ix_product_live_type"),
        ({"price_min": "20", "price_max": "50"}, "COVERING INDEX ix_product_live_price_"),
        ({"price_max": "50"}, "COVERING INDEX ix_product_live_price_min"),
        ({"tag": "Cotton"}, "COVERING INDEX ix_product_tag_tag_key"),
        ({"q": "cotton"}, "VIRTUAL TABLE"),
        # Each match's status and price come from the narrow facets index, not the wide row.
        (
            {"q": "cotton", "status": ["active"], "price_max": "80"},
            "COVERING INDEX ix_product_live_facets (id=?)",
        ),
        ({"tag": "Cotton", "price_min": "20"}, "COVERING INDEX ix_product_live_facets (id=?)"),
    ],
)
async def test_counts_read_covering_indexes(
    engine: AsyncEngine, database_url: str, values: dict[str, Any], index: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans from its own statistics")
    plan = await _plan(engine, count_statement(_filter(**values), "sqlite"))
    assert index in plan, plan
    assert re.search(r"SCAN product( /|$)", plan) is None, plan  # never the whole table


@pytest.mark.parametrize(
    "values",
    [
        {"q": "cotton", "vendor": "Acme"},
        {"tag": "Cotton", "sync_state": ["pending"]},
        {"q": "cotton", "status": ["active"], "product_type": "Hats"},
    ],
)
async def test_searches_on_other_columns_read_the_product_row(
    engine: AsyncEngine, database_url: str, values: dict[str, Any]
) -> None:
    """The facets index can't answer them, and looking up both it and the row costs more."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans from its own statistics")
    plan = await _plan(engine, count_statement(_filter(**values), "sqlite"))
    assert "ix_product_live_facets" not in plan, plan
    assert "INTEGER PRIMARY KEY (rowid=?)" in plan, plan


@pytest.mark.parametrize(
    ("values", "sort", "walk"),
    [
        ({"q": "cotton"}, ("updated_at", True), "ix_product_live_updated"),
        ({"tag": "cotton"}, ("updated_at", True), "ix_product_live_updated"),
        ({"status": ["active"]}, ("title", False), "ix_product_title"),
        (
            {"q": "cotton", "status": ["active"], "price_max": "80"},
            ("title", False),
            "ix_product_title",
        ),
        ({"price_min": "20", "price_max": "50"}, ("price", True), "ix_product_live_price_min"),
        # Equalities are tested on each walked row rather than drive (and then need a sort).
        ({"vendor": "Acme"}, ("updated_at", True), "ix_product_live_updated"),
        ({"status": ["draft"]}, ("updated_at", False), "ix_product_live_updated"),
        ({"status": ["draft", "active"]}, ("updated_at", True), "ix_product_live_updated"),
    ],
)
async def test_dense_pages_walk_the_sort_index(
    engine: AsyncEngine,
    database_url: str,
    values: dict[str, Any],
    sort: tuple[str, bool],
    walk: str,
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans from its own statistics")
    statement = page_statement(_filter(**values), "sqlite", [sort], 0, 50, dense=True)
    plan = await _plan(engine, statement)
    assert f"SCAN product USING INDEX {walk}" in plan or f"COVERING INDEX {walk}" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan.split("SCAN page")[0], plan


@pytest.mark.parametrize(
    ("values", "driver"),
    [
        ({"q": "cotton", "status": ["active"]}, "VIRTUAL TABLE"),
        ({"tag": "cotton", "vendor": "Acme"}, "ix_product_tag_tag_key"),
        ({"vendor": "Acme"}, "ix_product_live_vendor"),
    ],
)
async def test_sparse_pages_start_from_the_filter(
    engine: AsyncEngine, database_url: str, values: dict[str, Any], driver: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans from its own statistics")
    statement = page_statement(_filter(**values), "sqlite", [("title", False)], 0, 50, dense=False)
    plan = await _plan(engine, statement)
    assert driver in plan, plan
    assert "ix_product_title" not in plan, plan


@pytest.mark.parametrize("dense", [True, False])
async def test_pages_reuse_the_ids_the_count_collected(
    engine: AsyncEngine, database_url: str, dense: bool
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans from its own statistics")
    selection = _filter(q="cotton", price_max="80")
    statement = page_statement(
        selection, "sqlite", [("updated_at", True)], 0, 50, dense=dense, matched="[3, 1, 2]"
    )
    plan = await _plan(engine, statement)
    assert "SCAN matched VIRTUAL TABLE" in plan and "product_fts" not in plan, plan
    walked = "ix_product_live_updated" in plan.split("SCAN page")[0]
    assert walked is dense, plan


@pytest.mark.parametrize(
    ("values", "seeks"),
    [
        (
            {"category": "Hats"},
            [
                "ix_product_live_category_id (category_id=? AND deleted_at=?)",
                "ix_product_live_category_name (<expr>=? AND deleted_at=?)",
            ],
        ),
        (
            {"metafield": "custom.material=wool"},
            ["ix_product_metafield_lookup (namespace=? AND key=? AND <expr>=?)"],
        ),
    ],
)
async def test_sqlite_counts_seek_category_and_metafield_indexes(
    engine: AsyncEngine, database_url: str, values: dict[str, Any], seeks: list[str]
) -> None:
    """Bound as the app binds them (the metafield's bounds must stay literals to match)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's plans are checked below")
    compiled = count_statement(_filter(**values), "sqlite").compile(engine.sync_engine)
    parameters = tuple(compiled.params[name] for name in compiled.positiontup or ())
    async with engine.connect() as connection:
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters)
        plan = " / ".join(str(tuple(row)[3]) for row in rows)
    for seek in seeks:
        assert seek in plan, plan
    assert re.search(r"SCAN product( /|$)", plan) is None, plan


CATALOG = 3_000
SPREAD = 30  # distinct vendors, types, categories, tags and metafield values


async def _seed_catalog(engine: AsyncEngine) -> None:
    """Enough products, spread over enough values, that PostgreSQL's statistics make a seek of
    the filter's index the cheapest plan (an empty table's plan says nothing)."""
    products = [
        {
            "id": i,
            "title": f"Product {i}",
            "handle": f"product-{i}",
            "vendor": f"Vendor {i % SPREAD}",
            "product_type": f"Type {i % SPREAD}",
            "category_id": f"gid://shopify/TaxonomyCategory/c-{i % SPREAD}",
            "category_name": f"Category {i % SPREAD}",
            "status": ("active", "draft", "archived")[i % 3],
            "search_text": f"product {i} | material{i % SPREAD}",
        }
        for i in range(1, CATALOG + 1)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(Product), products)
        await connection.execute(
            insert(ProductTag),
            [
                {
                    "product_id": i,
                    "position": 0,
                    "name": f"Tag{i % SPREAD}",
                    "tag_key": f"tag{i % SPREAD}",
                }
                for i in range(1, CATALOG + 1)
            ],
        )
        await connection.execute(
            insert(ProductMetafield),
            [
                {
                    "product_id": i,
                    "namespace": "custom",
                    "key": "material",
                    "type": "single_line_text_field",
                    "value": f"material{i % SPREAD}",
                }
                for i in range(1, CATALOG + 1)
            ],
        )
    # VACUUM also moves the trigram index's pending entries into the index proper.
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.exec_driver_sql("VACUUM ANALYZE")


def _seeks(plan: str, index: str) -> bool:
    """Whether the plan reads `index` by a condition (not a walk of the whole index)."""
    lines = plan.splitlines()
    for at, line in enumerate(lines[:-1]):
        if f" {index} " in f"{line} " and "Index Cond" in lines[at + 1]:
            return True
    return False


async def _postgres_plan(engine: AsyncEngine, statement: Select[Any]) -> str:
    """The plan PostgreSQL picks with a sequential scan as its last resort."""
    sql = statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
    async with engine.connect() as connection, connection.begin():
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = await connection.exec_driver_sql(f"EXPLAIN {sql}")
        return "\n".join(str(row[0]) for row in rows)


async def _collection(engine: AsyncEngine, kind: str) -> int:
    rules = [{"column": "VENDOR", "relation": "EQUALS", "condition": "vendor 7"}]
    async with AsyncSession(engine) as session, session.begin():
        collection = Collection(title=kind, handle=f"c-{kind}", collection_type=kind, rules=rules)
        session.add(collection)
        await session.flush()
        if kind == "manual":
            members = [
                {"collection_id": collection.id, "product_id": i, "position": i} for i in (5, 6)
            ]
            await session.execute(insert(CollectionProduct), members)
        return collection.id


@pytest.mark.parametrize(
    ("values", "indexes"),
    [
        ({"vendor": "VENDOR 7"}, ["ix_product_live_vendor"]),
        ({"product_type": "type 7"}, ["ix_product_live_type"]),
        ({"status": ["draft"]}, ["ix_product_live_status"]),
        ({"tag": "Tag7"}, ["ix_product_tag_tag_key"]),
        ({"q": "material7"}, ["ix_product_search_text_trgm"]),
        (
            {"category": "category 7"},
            ["ix_product_live_category_id", "ix_product_live_category_name"],
        ),
        ({"metafield": "custom.material=material7"}, ["ix_product_metafield_lookup"]),
        ({"collection": "manual"}, ["pk_collection_product"]),
        ({"collection": "smart"}, ["ix_product_live_vendor"]),
    ],
)
async def test_postgres_filters_seek_their_index(
    engine: AsyncEngine, database_url: str, values: dict[str, Any], indexes: list[str]
) -> None:
    """Every list filter is answered by a seek of its own index on PostgreSQL too (the count
    and the page's ids share the WHERE clause there)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's plans are checked above")
    await _seed_catalog(engine)
    kind = values.pop("collection", None)
    if kind is not None:
        values["collection_id"] = await _collection(engine, kind)
    selection = _filter(**values)
    async with AsyncSession(engine) as session:
        await selection.resolve_collection(session)
    plan = await _postgres_plan(engine, count_statement(selection, "postgresql"))
    for index in indexes:
        assert _seeks(plan, index), plan
    assert "Seq Scan" not in plan, plan


async def test_postgres_counts_a_search_alone_in_the_search_table(
    engine: AsyncEngine, database_url: str
) -> None:
    """A search with no other filter is counted from the trigram matches minus tombstones: no
    match is looked up in a product index (7,734 such probes were half a common term's list)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's plans are checked above")
    await _seed_catalog(engine)
    plan = await _postgres_plan(engine, count_statement(_filter(q="material7"), "postgresql"))
    assert _seeks(plan, "ix_product_search_text_trgm"), plan
    assert "ix_product_tombstone" in plan and "ix_product_live_facets" not in plan, plan
    with_status = count_statement(_filter(q="material7", status=["active"]), "postgresql")
    assert "product_search" in str(with_status) and "FROM product " in str(with_status)


async def test_postgres_searches_once_for_a_page_and_its_total(
    engine: AsyncEngine, database_url: str
) -> None:
    """A search with other filters: its matches are looked up in the product table once, for
    both the page and the total (a prepared statement's generic plan, guessing 500 matches for
    any term, otherwise searched and probed 7,734 matches twice)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite counts first, then pages (checked above)")
    await _seed_catalog(engine)
    selection = _filter(q="material7", status=["active"])
    statement = page_and_total_statement(selection, "postgresql", [("title", False)], 0, 50)
    plan = await _postgres_plan(engine, statement)
    assert _seeks(plan, "ix_product_search_text_trgm"), plan
    assert plan.count("ix_product_search_text_trgm") == 1, plan


@pytest.mark.parametrize("sort", [("updated_at", True), ("updated_at", False)])
async def test_postgres_newest_first_pages_take_their_ids_from_the_index(
    engine: AsyncEngine, database_url: str, sort: tuple[str, bool]
) -> None:
    """The default page walks the updated index for its ids without visiting a row (page 20
    visited the 1,000 rows it passed): only its 50 products are read."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's index entries end with the rowid (checked above)")
    await _seed_catalog(engine)
    statement = page_statement(_filter(), "postgresql", [sort], 950, 50, dense=True)
    plan = await _postgres_plan(engine, statement)
    walk = "Index Only Scan Backward using" if sort[1] else "Index Only Scan using"
    assert f"{walk} ix_product_live_updated " in plan, plan
