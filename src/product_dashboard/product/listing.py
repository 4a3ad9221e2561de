"""The product list: an exact total and one page of summaries, in two statements.

The count runs first and tells the page query how to find its rows. SQLite keeps no statistics,
so left alone it drives a query through whichever index has an equality on it, even when that
means sorting 80,000 matches to show 50. Instead:

- dense matches (total^2 > (offset + limit) * catalog size): walk the sort key's index and test
  each product, stopping after offset + limit hits; no filter index may drive.
- sparse matches: the most selective filter finds the products (full-text match, then tag, then
  the indexed columns), and only those are sorted.

Counts use covering partial indexes; a count over full-text or tag matches alone reads just the
FTS table or the tag index and subtracts tombstones (the tag count on PostgreSQL too, which would
otherwise hash-join the whole product table). With status or price filters as well, each match
is looked up by id in a narrow index of those columns (SQLite is told to: left alone it reads
the wide product row). When a full-text search drives the SQLite count, it also collects the
matching ids, and the page tests those instead of searching again.
Otherwise PostgreSQL plans for itself from its statistics and gets the plain conditions, but
for a search with other filters: there the trigram matches are joined to their products once, in
a materialized CTE holding the sort keys, which both the total and the page read. (Run as a
prepared statement, PostgreSQL soon plans it generically, guessing 500 matches for any search
term; with the CTE it no longer searches and probes every match twice, once for the count and
once for the page.)

Either way the page's ids are chosen first, and only those 50 rows are read in full, with their
tags (one JSON array) and variant count.

Building these statements costs more than SQLite takes to run many of them, so each is built
once per shape (which filters are set, the sort, the plan) with every value a named parameter,
and later requests of that shape only supply the values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    CTE,
    JSON,
    Column,
    ColumnElement,
    Select,
    String,
    UnaryExpression,
    bindparam,
    func,
    literal_column,
    null,
    select,
    true,
    type_coerce,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import Subquery, operators
from sqlalchemy.sql.visitors import iterate

from product_dashboard.models import Product, ProductTag, ProductVariant
from product_dashboard.models.product import FACETS_INDEX, FACETS_INDEX_COLUMNS
from product_dashboard.product import search_index
from product_dashboard.product.filters import (
    TAG_PARAMETER,
    ProductFilter,
    column_conditions,
    column_parameters,
    filter_conditions,
    tag_exists,
    tag_key,
    tag_parameter,
)

MATCHED_PARAMETER = "matched_ids"
OFFSET_PARAMETER = "page_offset"
LIMIT_PARAMETER = "page_limit"

SORTABLE = {
    "id": Product.id,
    "title": Product.title,
    "created_at": Product.created_at,
    "updated_at": Product.updated_at,
    "price": Product.price_min_cents,
    "vendor": Product.vendor,
    "product_type": Product.product_type,
    "status": Product.status,
    "inventory": Product.total_inventory,
}
# Sort keys an index delivers in order (id is the rowid): the ones a dense page can walk.
INDEX_ORDERED_SORTS = frozenset({"id", "updated_at", "title", "price"})

SUMMARY_COLUMNS = (
    Product.id,
    Product.title,
    Product.handle,
    Product.vendor,
    Product.product_type,
    Product.status,
    Product.price_min_cents,
    Product.price_max_cents,
    Product.total_inventory,
    Product.icon_path,
    Product.version,
    Product.synced_version,
    Product.sync_error,
    Product.open_conflicts,
    Product.created_at,
    Product.updated_at,
)

Sort = Sequence[tuple[str, bool]]


def _as_is(column: QueryableAttribute[Any]) -> ColumnElement[Any]:
    return column.expression


def _no_index(column: QueryableAttribute[Any]) -> ColumnElement[Any]:
    """`+column`: SQLite's documented way to keep a term from using the column's index."""
    return UnaryExpression(column.expression, operator=operators.custom_op("+"), type_=column.type)


@dataclass(frozen=True)
class _Selection:
    """The filter split by what can drive a SQLite query: full-text match, tag, own columns."""

    filter: ProductFilter
    dialect: str
    fts: str | None
    short_terms: list[str]
    tag: str | None

    @classmethod
    def of(cls, selection: ProductFilter, dialect: str) -> _Selection:
        terms = search_index.search_terms(selection.q or "")
        fts = search_index.fts_match(terms) if dialect == "sqlite" else None
        if fts is not None:
            terms = [t for t in terms if len(t) < search_index.MIN_TRIGRAM_TERM]
        tag = tag_key(selection.tag) if selection.tag is not None else None
        return cls(selection, dialect, fts, terms, tag)

    @property
    def sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def own(self, *, pinned: bool) -> list[ColumnElement[bool]]:
        """Conditions on product columns; `pinned` keeps their indexes from driving (SQLite)."""

        def indexed(column: QueryableAttribute[Any]) -> ColumnElement[Any]:
            return _no_index(column) if pinned else _as_is(column)

        own = column_conditions(self.filter, self.dialect, indexed)
        return [*search_index.like_conditions(self.short_terms), *own]

    def filtered(self) -> bool:
        """Whether anything but the search narrows the list: a tag or a product column."""
        return self.tag is not None or bool(column_conditions(self.filter, self.dialect))

    def tag_ids(self) -> Select[int]:
        tag = tag_parameter(self.tag or "")
        return select(ProductTag.product_id).where(ProductTag.tag_key == tag).correlate(None)

    def shape(self) -> tuple[Any, ...] | None:
        """What the statements' structure depends on; None: not cacheable (a collection, a
        category or a metafield, whose values are bound in the statement)."""
        f = self.filter
        if f.collection_id is not None or f.category is not None or f.metafield is not None:
            return None
        return (
            self.dialect,
            self.fts is not None,
            len(self.short_terms),
            self.tag is not None,
            bool(f.status),
            f.product_type is not None,
            f.vendor is not None,
            tuple(f.sync_state or ()),
            f.price_min is not None,
            f.price_max is not None,
        )

    def parameters(self) -> dict[str, Any]:
        """The values the statements bind, by name (see `shape`)."""
        values = column_parameters(self.filter)
        values.update(search_index.like_parameters(self.short_terms))
        if self.fts is not None:
            values[search_index.FTS_PARAMETER] = self.fts
        if self.tag is not None:
            values[TAG_PARAMETER] = self.tag
        return values


def _tombstone_ids() -> Select[int]:
    return select(Product.id).where(Product.deleted_at.is_not(None)).correlate(None)


def _facets_cover(conditions: Sequence[ColumnElement[bool]]) -> bool:
    """Whether these conditions read no product column but the facets index's."""
    table = Product.__table__
    named = {
        element.name
        for condition in conditions
        for element in iterate(condition)
        if isinstance(element, Column) and element.table is table
    }
    return named <= set(FACETS_INDEX_COLUMNS)


def _by_facets(statement: Select[Any], conditions: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """Look matches up in the facets index when it holds all they are tested on (SQLite)."""
    if not _facets_cover(conditions):
        return statement
    return statement.with_hint(Product, f"INDEXED BY {FACETS_INDEX}", dialect_name="sqlite")


def _catalog_size() -> ColumnElement[Any]:
    # max(id) is one index seek; it over-counts only ids freed by hard deletes.
    return select(func.max(Product.id)).correlate(None).scalar_subquery()


def count_statement(selection: ProductFilter, dialect: str) -> Select[*tuple[Any, ...]]:
    """One row: how many live products match, the catalog size (max id), and, when a full-text
    search drives the count (SQLite), the matching ids as a JSON array for the page."""
    parts = _Selection.of(selection, dialect)
    driven = parts.fts is not None or parts.tag is not None
    own = parts.own(pinned=driven and parts.sqlite)
    if driven and not own:
        return _side_count(parts)
    if not parts.sqlite:
        if parts.short_terms and not parts.filtered():
            return _search_side_count(parts)
        conditions = filter_conditions(parts.filter, parts.dialect)
        return _counted(None).select_from(Product).where(*conditions)
    conditions = [Product.deleted_at.is_(None), *own]
    if parts.fts is None:
        counted = _counted(None).select_from(Product).where(*conditions)
        if parts.tag is None:
            return counted
        return _by_facets(counted.where(Product.id.in_(parts.tag_ids())), conditions)
    if parts.tag is not None:
        conditions.append(tag_exists(parts.tag))
    # Matches first, each product looked up by id (a join probes faster than an IN list here).
    fts = search_index.FTS_TABLE
    counted = (
        _counted(Product.id)
        .select_from(fts)
        .join(Product, Product.id == fts.c.rowid)
        .where(search_index.fts_matches(parts.fts), *conditions)
    )
    return _by_facets(counted, conditions)


def _counted(ids: ColumnElement[int] | QueryableAttribute[int] | None) -> Select[*tuple[Any, ...]]:
    # Collecting an id costs ~50 ns; running the full-text search again costs ~300 ns a match.
    collected = func.json_group_array(ids) if ids is not None else null()
    return select(func.count(), _catalog_size(), collected.label("ids"))


def _side_count(parts: _Selection) -> Select[*tuple[Any, ...]]:
    """Count FTS rows or tag rows, minus tombstones, without reading a single product row."""
    if parts.fts is None:
        assert parts.tag is not None  # a side count is driven by a search or a tag
        # No ids collected: testing a walked row's tag costs one probe of (product_id, tag_key).
        return (
            _counted(None)
            .select_from(ProductTag)
            .where(
                ProductTag.tag_key == tag_parameter(parts.tag),
                ProductTag.product_id.not_in(_tombstone_ids()),
            )
        )
    rowid = search_index.FTS_TABLE.c.rowid
    statement = (
        _counted(rowid)
        .select_from(search_index.FTS_TABLE)
        .where(search_index.fts_matches(parts.fts))
        .where(rowid.not_in(_tombstone_ids()))
    )
    if parts.tag is not None:
        statement = statement.where(rowid.in_(parts.tag_ids()))
    return statement


def _search_side_count(parts: _Selection) -> Select[*tuple[Any, ...]]:
    """PostgreSQL, a search alone: count the search table's matches minus tombstones (every
    product has its row there), without looking each match up in a product index."""
    searched = search_index.SEARCH_TABLE
    return (
        _counted(None)
        .select_from(searched)
        .where(
            *search_index.like_conditions(parts.short_terms, searched.c.search_text),
            searched.c.id.not_in(_tombstone_ids()),
        )
    )


def _page_conditions(
    parts: _Selection, *, dense: bool, matched: str | None
) -> list[ColumnElement[bool]]:
    if not parts.sqlite:
        return filter_conditions(parts.filter, parts.dialect)
    driver = parts.fts is not None or parts.tag is not None
    own = parts.own(pinned=dense or driver)
    conditions = [Product.deleted_at.is_(None), *own]
    # Dense: `+id`, so a set of ids is tested against each walked row instead of driving.
    ids = _no_index(Product.id) if dense else Product.id.expression
    if matched is not None:
        ids_json = bindparam(MATCHED_PARAMETER, matched, String)
        each = func.json_each(ids_json).table_valued("value").alias("matched")
        conditions.append(ids.in_(select(each.c.value)))
    elif parts.fts is not None:
        conditions.append(ids.in_(search_index.fts_rowids(parts.fts)))
        if parts.tag is not None:
            conditions.append(tag_exists(parts.tag))
    elif parts.tag is not None:
        conditions.append(tag_exists(parts.tag) if dense else Product.id.in_(parts.tag_ids()))
    return conditions


def sort_order(sort: Sort, source: CTE | None = None) -> list[UnaryExpression[Any]]:
    """ORDER BY terms for the sort keys, then the product id as a tiebreak; on `source`'s
    columns of the same names when given (see `_matched`)."""

    def column(attribute: QueryableAttribute[Any]) -> ColumnElement[Any]:
        return attribute.expression if source is None else source.c[attribute.key]

    order: list[UnaryExpression[Any]] = [
        column(SORTABLE[f]).desc() if desc else column(SORTABLE[f]).asc() for f, desc in sort
    ]
    tiebreak_desc = sort[-1][1] if sort else True
    order.append(column(Product.id).desc() if tiebreak_desc else column(Product.id).asc())
    return order


@cache  # statements are immutable; building these per request costs more than running them
def _tags_json(dialect: str) -> ColumnElement[Any]:
    """The product's tags as a JSON array of [position, name] pairs (order restored in Python).

    PostgreSQL's json_agg gives NULL, not [], for a product without tags, and asyncpg decodes
    it. SQLite's arrives as text, decoded in serialize.summary_from_row.
    """
    if dialect == "postgresql":
        aggregate = func.json_agg(func.json_build_array(ProductTag.position, ProductTag.name))
        return type_coerce(_tags_of_product(aggregate), JSON).label("tags")
    aggregate = func.json_group_array(func.json_array(ProductTag.position, ProductTag.name))
    return _tags_of_product(aggregate).label("tags")


def _tags_of_product(aggregate: ColumnElement[Any]) -> ColumnElement[Any]:
    return (
        select(aggregate)
        .where(ProductTag.product_id == Product.id)
        .correlate(Product)
        .scalar_subquery()
    )


@cache
def _variants_count() -> ColumnElement[int]:
    return (
        select(func.count(ProductVariant.id))
        .where(ProductVariant.product_id == Product.id)
        .correlate(Product)
        .scalar_subquery()
        .label("variants_count")
    )


def page_statement(
    selection: ProductFilter,
    dialect: str,
    sort: Sort,
    offset: int,
    limit: int,
    *,
    dense: bool,
    matched: str | None = None,
) -> Select[*tuple[Any, ...]]:
    """The page's summary rows; `dense` walks the sort order (see the module docstring), and
    `matched` (the ids count_statement collected) stands in for the full-text search and tag."""
    parts = _Selection.of(selection, dialect)
    ids = (
        select(Product.id)
        .where(*_page_conditions(parts, dense=dense, matched=matched))
        .order_by(*sort_order(sort))
        .offset(bindparam(OFFSET_PARAMETER, offset))
        .limit(bindparam(LIMIT_PARAMETER, limit))
        .subquery("page")
    )
    return _summaries(ids, parts.dialect, sort)


def _summaries(ids: Subquery, dialect: str, sort: Sort) -> Select[*tuple[Any, ...]]:
    """The summary rows of the products whose ids `ids` holds, in the sort order."""
    return (
        select(*SUMMARY_COLUMNS, _tags_json(dialect), _variants_count())
        .select_from(ids)
        .join(Product, Product.id == ids.c.id)
        .order_by(*sort_order(sort))
    )


def _matched(parts: _Selection, sort: Sort) -> CTE:
    """PostgreSQL, a search with other filters: the matching products' ids and sort keys, found
    once: each trigram match looked up by id in the product table and tested there.

    The lookup is a LATERAL subquery fenced by OFFSET 0, so it stays a probe per match: the
    custom plans of a prepared statement's first runs, knowing a common term's thousands of
    matches, would hash-join them with a sequential scan of every product row (6x slower)."""
    searched = search_index.SEARCH_TABLE
    keys = {Product.id.key: Product.id} | {SORTABLE[f].key: SORTABLE[f] for f, _ in sort}
    found = (
        select(*keys.values())
        .where(
            Product.id == searched.c.id,
            Product.deleted_at.is_(None),
            *column_conditions(parts.filter, parts.dialect),
        )
        .offset(literal_column("0"))
        .lateral("found")
    )
    conditions = search_index.like_conditions(parts.short_terms, searched.c.search_text)
    if parts.tag is not None:
        # Beside the search, not in the lookup: the tag's ids narrow the matches before any
        # product is looked up (a probe of the tag index per match cost twice as much).
        conditions.append(searched.c.id.in_(parts.tag_ids()))
    return (
        select(*(found.c[key] for key in keys))
        .select_from(searched)
        .join(found, true())
        .where(*conditions)
        .cte("matched")
        .prefix_with("MATERIALIZED")
    )


def _matched_page_with_total(
    parts: _Selection, sort: Sort, offset: int, limit: int
) -> Select[*tuple[Any, ...]]:
    """The page and the total, both read from `_matched` (see the module docstring)."""
    matched = _matched(parts, sort)
    ids = (
        select(matched.c.id)
        .order_by(*sort_order(sort, matched))
        .offset(bindparam(OFFSET_PARAMETER, offset))
        .limit(bindparam(LIMIT_PARAMETER, limit))
        .subquery("page")
    )
    total = select(func.count()).select_from(matched).scalar_subquery().label("total")
    return _summaries(ids, parts.dialect, sort).add_columns(total)


def page_and_total_statement(
    selection: ProductFilter, dialect: str, sort: Sort, offset: int, limit: int
) -> Select[*tuple[Any, ...]]:
    """The page with the total as a constant column (a subquery run once), for a shape whose
    page does not depend on the total (`_plan_ignores_total`)."""
    parts = _Selection.of(selection, dialect)
    if not parts.sqlite and parts.short_terms and parts.filtered():
        return _matched_page_with_total(parts, sort, offset, limit)
    counting = count_statement(selection, dialect)
    total = counting.with_only_columns(func.count()).correlate(None).scalar_subquery()
    page = page_statement(selection, dialect, sort, offset, limit, dense=True)
    return page.add_columns(total.label("total"))


def is_dense(total: int, catalog: int, offset: int, limit: int) -> bool:
    """Would walking the sort order reach offset + limit matches sooner than sorting them all?"""
    return total * total > (offset + limit) * max(catalog, 1)


def _plan_ignores_total(selection: ProductFilter, dialect: str) -> bool:
    """Whether the page's SQL is the same dense or sparse, so the total can ride along with it.

    True on PostgreSQL, and on SQLite when there is no filter at all.
    """
    parts = _Selection.of(selection, dialect)
    if not parts.sqlite:
        return True
    if parts.fts is not None or parts.tag is not None:
        return False
    if selection.price_min is not None or selection.price_max is not None:
        return False
    return not (
        selection.status or selection.vendor is not None or selection.product_type is not None
    )


class _Statements:
    """Statements built once per shape and key (see the module docstring), at most `SIZE`."""

    SIZE = 512

    def __init__(self) -> None:
        self._built: dict[tuple[Any, ...], Select[Any]] = {}

    def get(self, key: tuple[Any, ...] | None, build: Callable[[], Select[Any]]) -> Select[Any]:
        if key is None:
            return build()
        statement = self._built.get(key)
        if statement is None:
            if len(self._built) >= self.SIZE:
                self._built.clear()
            statement = self._built[key] = build()
        return statement


_statements = _Statements()


def _keyed(shape: tuple[Any, ...] | None, *rest: Any) -> tuple[Any, ...] | None:
    return None if shape is None else (*shape, *rest)


async def list_rows(
    session: AsyncSession, selection: ProductFilter, *, sort: Sort, offset: int, limit: int
) -> tuple[Sequence[RowMapping], int]:
    """One page of products as summary fields (see serialize.summary_from_row), and the total."""
    # Core, not the ORM: these rows are plain columns, and the ORM's per-statement setup costs
    # about 0.2 ms a statement.
    connection = await session.connection()
    dialect = connection.dialect.name
    parts = _Selection.of(selection, dialect)
    shape = parts.shape()
    sorting = tuple(sort)
    values = parts.parameters() | {OFFSET_PARAMETER: offset, LIMIT_PARAMETER: limit}
    if _plan_ignores_total(selection, dialect):
        statement = _statements.get(
            _keyed(shape, "page+total", sorting),
            lambda: page_and_total_statement(selection, dialect, sort, offset, limit),
        )
        rows = (await connection.execute(statement, values)).mappings().all()
        if rows:
            return rows, int(rows[0]["total"])
    counting = _statements.get(_keyed(shape, "count"), lambda: count_statement(selection, dialect))
    counted = (await connection.execute(counting, values)).one()
    total, catalog, matched = int(counted[0] or 0), int(counted[1] or 0), counted[2]
    if total == 0 or offset >= total:
        return [], total
    walkable = bool(sort) and sort[0][0] in INDEX_ORDERED_SORTS
    dense = walkable and is_dense(total, catalog, offset, limit)
    statement = _statements.get(
        _keyed(shape, "page", sorting, dense, matched is not None),
        lambda: page_statement(
            selection, dialect, sort, offset, limit, dense=dense, matched=matched
        ),
    )
    if matched is not None:
        values[MATCHED_PARAMETER] = matched
    return (await connection.execute(statement, values)).mappings().all(), total
