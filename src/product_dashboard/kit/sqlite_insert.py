"""Many rows of one table inserted through SQLite's driver, bound as SQLAlchemy binds them.

SQLAlchemy's executemany makes each row's parameters through the compiled statement: a dict per
row, then a bind processor call per value (a datetime's text alone was 4 % of a full pull's CPU).
Here each row becomes one tuple in column order, every value passed through the same bind
processor the compiled statement would use (so the stored values are the same), a datetime's
text made once per distinct value (a write stamps its rows with one `now`), a column's None
bound once. The rows go to sqlite3 as one `executemany`, or, when columns must come back, as
multi-row `INSERT … RETURNING` statements kept under SQLite's limit of bound variables.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["SqliteInsert"]

_Processor = Callable[[Any], Any]


def _memo(process: _Processor, *, by_offset: bool) -> _Processor:
    """`process` applied once per distinct value (datetimes by instant and offset: the text is
    made of the local fields, which these two fix); the value just seen is checked first (a
    write's rows share one `now`)."""
    cache: dict[Any, Any] = {}
    last: list[Any] = [_NOTHING, None]
    none = process(None)

    def bound(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        if value is None:
            return none
        try:
            key = (value, value.utcoffset()) if by_offset else value
            text = cache.get(key, _NOTHING)
        except (AttributeError, TypeError):  # not a value this type takes as it is: its error
            return process(value)
        if text is _NOTHING:
            text = cache[key] = process(value)
        last[0], last[1] = value, text
        return text

    return bound


def _none_once(process: _Processor) -> _Processor:
    """`process`, its value for None made once (most JSON columns of a new row hold None)."""
    none = process(None)

    def bound(value: Any) -> Any:
        return none if value is None else process(value)

    return bound


_NOTHING = object()


class SqliteInsert:
    """One table's INSERT of the given columns (their order is the tuples' order)."""

    def __init__(self, table: Table, columns: Sequence[Column[Any]]) -> None:
        self.table = table
        self.columns = list(columns)
        self._dialect: Dialect | None = None
        self._processors: list[_Processor | None] = []
        self._head = ""

    def _prepare(self, dialect: Dialect) -> None:
        if self._dialect is dialect:
            return
        quote = dialect.identifier_preparer
        names = ", ".join(quote.format_column(column) for column in self.columns)
        self._head = f"INSERT INTO {quote.format_table(self.table)} ({names}) VALUES "
        self._processors = [
            column.type._cached_bind_processor(dialect)  # what the compiled statement binds with
            for column in self.columns
        ]
        self._dialect = dialect

    def _bound(self, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """The rows with each value through its column's bind processor; column by column (a
        `map` per column instead of a Python loop over every value)."""
        if not rows:
            return []
        columns: list[Iterable[Any]] = list(zip(*rows, strict=True))
        for index, (column, process) in enumerate(zip(self.columns, self._processors, strict=True)):
            if process is None:
                continue
            if isinstance(column.type, DateTime):
                process = _memo(process, by_offset=True)
            elif isinstance(column.type, Boolean):
                process = _memo(process, by_offset=False)
            else:
                process = _none_once(process)
            columns[index] = map(process, columns[index])
        return list(zip(*columns, strict=True))

    def rows_of(
        self, keys: Sequence[str], defaults: Sequence[Any], items: Iterable[Mapping[str, Any]]
    ) -> list[tuple[Any, ...]]:
        """Each item's values in column order: `keys[i]` names the item's value of column i,
        `defaults[i]` stands where the item holds none."""
        fallback = dict(zip(keys, defaults, strict=True))
        if len(keys) == 1:  # itemgetter of one key gives the value, not a tuple
            return [({**fallback, **item}[keys[0]],) for item in items]
        values = operator.itemgetter(*keys)
        return [values({**fallback, **item}) for item in items]

    async def insert(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> None:
        """Insert `rows` (values in column order) in one executemany."""
        if not rows:
            return
        connection = await session.connection()
        self._prepare(connection.dialect)
        marks = ", ".join("?" * len(self.columns))
        await connection.exec_driver_sql(f"{self._head}({marks})", self._bound(rows))

    async def insert_returning(
        self, session: AsyncSession, rows: Sequence[Sequence[Any]], returning: Sequence[str]
    ) -> list[tuple[Any, ...]]:
        """Insert `rows` and read back the `returning` columns of each (in no promised order)."""
        if not rows:
            return []
        connection = await session.connection()
        dialect = connection.dialect
        self._prepare(dialect)
        quote = dialect.identifier_preparer
        tail = " RETURNING " + ", ".join(quote.quote(name) for name in returning)
        one = "(" + ", ".join("?" * len(self.columns)) + ")"
        per_statement = max(1, dialect.insertmanyvalues_max_parameters // len(self.columns))
        bound = self._bound(rows)
        back: list[tuple[Any, ...]] = []
        for start in range(0, len(bound), per_statement):
            batch = bound[start : start + per_statement]
            sql = self._head + ", ".join([one] * len(batch)) + tail
            flat = tuple(itertools.chain.from_iterable(batch))
            result = await connection.exec_driver_sql(sql, flat)
            back.extend(tuple(row) for row in result)
        return back
