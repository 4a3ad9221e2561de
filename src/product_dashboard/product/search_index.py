"""Full-text search over `product.search_text`: SQLite FTS5 (trigram) or PostgreSQL pg_trgm.

Trigram indexes answer substring queries ("shirt" finds "T-Shirts") in both engines; terms shorter
than three characters cannot use them and fall back to a LIKE scan.

In both engines the index lives beside `product`, fed by triggers when `search_text` changes
(SQLite: the FTS5 table `product_fts`; PostgreSQL: `product_search` with a GIN trigram index).
An index on `product` itself would be written for every new row version: a price batch over
100,000 products spent about half its product update adding ~50 trigram entries per row whose
search text had not changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    TextClause,
    and_,
    bindparam,
    column,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection

from product_dashboard.models import Product

MIN_TRIGRAM_TERM = 3

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS product_fts USING fts5("
    "search_text, content='product', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS product_fts_ai AFTER INSERT ON product BEGIN "
    "INSERT INTO product_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS product_fts_ad AFTER DELETE ON product BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS product_fts_au AFTER UPDATE OF search_text ON product BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO product_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS product_fts_au",
    "DROP TRIGGER IF EXISTS product_fts_ad",
    "DROP TRIGGER IF EXISTS product_fts_ai",
    "DROP TABLE IF EXISTS product_fts",
)
POSTGRES_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE IF NOT EXISTS product_search ("
    "id integer PRIMARY KEY REFERENCES product (id) ON DELETE CASCADE, "
    "search_text text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_product_search_text_trgm ON product_search "
    "USING gin (search_text gin_trgm_ops)",
    "CREATE OR REPLACE FUNCTION product_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN INSERT INTO product_search (id, search_text) VALUES (NEW.id, NEW.search_text) "
    "ON CONFLICT (id) DO UPDATE SET search_text = EXCLUDED.search_text; RETURN NULL; END $$",
    "CREATE OR REPLACE TRIGGER product_search_ai AFTER INSERT ON product "
    "FOR EACH ROW EXECUTE FUNCTION product_search_sync()",
    "CREATE OR REPLACE TRIGGER product_search_au AFTER UPDATE OF search_text ON product "
    "FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text) "
    "EXECUTE FUNCTION product_search_sync()",
    "INSERT INTO product_search (id, search_text) SELECT id, search_text FROM product "
    "ON CONFLICT (id) DO NOTHING",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS product_search_au ON product",
    "DROP TRIGGER IF EXISTS product_search_ai ON product",
    "DROP FUNCTION IF EXISTS product_search_sync()",
    "DROP TABLE IF EXISTS product_search",
)
# Names of what `install` creates, which the models do not declare (migrations leave them out of
# autogenerate's comparison).
OUTSIDE_MODELS = ("product_fts", "product_search", "ix_product_search")
# Before 0012 the trigram index was on `product` itself.
POSTGRES_OLD_INDEX = "ix_product_search_trgm"


def install(connection: Connection) -> None:
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else POSTGRES_DDL
    for statement in statements:
        connection.execute(text(statement))


def uninstall(connection: Connection) -> None:
    statements = SQLITE_DROP if connection.dialect.name == "sqlite" else POSTGRES_DROP
    for statement in statements:
        connection.execute(text(statement))


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_terms(query: str) -> list[str]:
    return [term for term in query.lower().split() if term]


def fts_match(terms: list[str]) -> str | None:
    """The FTS5 query for the terms a trigram index can answer (all of them must match)."""
    long_terms = [t for t in terms if len(t) >= MIN_TRIGRAM_TERM]
    if not long_terms:
        return None
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)


# The SQLite FTS5 table and the PostgreSQL search table as far as queries need them (created by
# `install`, not the models).
FTS_TABLE = table("product_fts", column("rowid", Integer))
SEARCH_TABLE = table("product_search", column("id", Integer), column("search_text", Text))


def fts_matches(match: str) -> TextClause:
    return text(f"product_fts MATCH :{FTS_PARAMETER}").bindparams(**{FTS_PARAMETER: match})


def fts_rowids(match: str) -> Select[tuple[Any]]:
    """Rowids (product ids) of the products whose search text matches the FTS5 query."""
    return select(FTS_TABLE.c.rowid).where(fts_matches(match))


FTS_PARAMETER = "fts_query"


def like_parameters(terms: list[str]) -> dict[str, str]:
    """The patterns `like_conditions` binds, by parameter name."""
    return {f"search_like_{i}": f"%{_escape_like(t)}%" for i, t in enumerate(terms)}


def like_conditions(
    terms: list[str], searched: ColumnElement[str] | None = None
) -> list[ColumnElement[bool]]:
    """ILIKE on `product.search_text`; on `searched` (PostgreSQL's search table) LIKE: search
    text and terms are both lower case, and LIKE rechecks a trigram match without folding case
    (the recheck of each candidate row is most of a common term's search)."""
    parameters = like_parameters(terms).items()
    if searched is not None:
        return [searched.like(bindparam(n, p), escape="\\") for n, p in parameters]
    return [Product.search_text.ilike(bindparam(n, p), escape="\\") for n, p in parameters]


def search_condition(query: str, dialect: str) -> ColumnElement[bool] | None:
    """A WHERE condition matching products whose search text contains every term of `query`."""
    terms = search_terms(query)
    if not terms:
        return None
    conditions: list[ColumnElement[bool]] = []
    match = fts_match(terms) if dialect == "sqlite" else None
    if match is not None:
        conditions.append(Product.id.in_(fts_rowids(match)))
        terms = [t for t in terms if len(t) < MIN_TRIGRAM_TERM]
    elif dialect == "postgresql":
        # Every term through the trigram index (those too short for it are rechecked there).
        searched = select(SEARCH_TABLE.c.id).where(
            *like_conditions(terms, SEARCH_TABLE.c.search_text)
        )
        return Product.id.in_(searched)
    conditions.extend(like_conditions(terms))
    return and_(*conditions)


def build_search_text(
    title: str, vendor: str, product_type: str, tags: list[str], skus: list[str | None]
) -> str:
    parts = [title, vendor, product_type, *tags, *(s for s in skus if s)]
    return " | ".join(p for p in parts if p).lower()
