"""Full-text search over `product.search_text`: SQLite FTS5 (trigram) or PostgreSQL pg_trgm.

Trigram indexes answer substring queries ("shirt" finds "T-Shirts") in both engines; terms shorter
than three characters cannot use them and fall back to a LIKE scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal_column, select, text
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
    "CREATE INDEX IF NOT EXISTS ix_product_search_trgm ON product "
    "USING gin (search_text gin_trgm_ops)",
)
POSTGRES_DROP = ("DROP INDEX IF EXISTS ix_product_search_trgm",)


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


def search_condition(query: str, dialect: str) -> ColumnElement[bool] | None:
    """A WHERE condition matching products whose search text contains every term of `query`."""
    terms = [term for term in query.lower().split() if term]
    if not terms:
        return None
    conditions: list[ColumnElement[bool]] = []
    long_terms = [t for t in terms if len(t) >= MIN_TRIGRAM_TERM]
    if dialect == "sqlite" and long_terms:
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        fts: Select[tuple[Any]] = (
            select(literal_column("rowid"))
            .select_from(text("product_fts"))
            .where(text("product_fts MATCH :fts_query").bindparams(fts_query=match))
        )
        conditions.append(Product.id.in_(fts))
        terms = [t for t in terms if len(t) < MIN_TRIGRAM_TERM]
    conditions.extend(Product.search_text.ilike(f"%{_escape_like(t)}%", escape="\\") for t in terms)
    return and_(*conditions)


def build_search_text(
    title: str, vendor: str, product_type: str, tags: list[str], skus: list[str | None]
) -> str:
    parts = [title, vendor, product_type, *tags, *(s for s in skus if s)]
    return " | ".join(p for p in parts if p).lower()
