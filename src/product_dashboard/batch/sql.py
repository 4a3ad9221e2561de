"""Dialect-specific SQL pieces for set-based batch writes (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String, case, cast, func, literal, literal_column
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlalchemy.types import TypeEngine

_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")


def param(value: Any, type_: TypeEngine[Any]) -> ColumnElement[Any]:
    """A typed bound value: asyncpg then renders `$1::TYPE`, which PostgreSQL needs in SELECT
    lists (a SQL CAST would be wrong on SQLite, where CAST(... AS DATETIME) makes a number)."""
    return literal(value, type_)


def json_object(
    dialect: str, pairs: list[tuple[str, Any]], *, nested: frozenset[str] = frozenset()
) -> ColumnElement[Any]:
    """A JSON object built in SQL; `nested` keys hold JSON values built by these helpers."""
    args: list[Any] = []
    for key, value in pairs:
        if not _KEY.fullmatch(key):
            raise ValueError(f"unsafe JSON key {key!r}")
        args.append(literal_column(f"'{key}'"))
        if dialect == "sqlite" and key in nested:
            value = func.json(value)  # keep it JSON, not a quoted string, through CASE
        args.append(value)
    if dialect == "postgresql":
        return func.json_build_object(*args)
    return func.json_object(*args)


def json_array_agg(dialect: str, value: ColumnElement[Any]) -> ColumnElement[Any]:
    return (
        func.json_agg(value) if dialect == "postgresql" else func.json_group_array(func.json(value))
    )


def money_text(
    dialect: str, cents: ColumnElement[Any] | KeyedColumnElement[Any]
) -> ColumnElement[Any]:
    """Cents as the API's decimal string ("19.99"), NULL stays NULL."""
    text: ColumnElement[Any]
    if dialect == "postgresql":
        text = func.concat(
            cast(cents // 100, String), ".", func.lpad(cast(cents % 100, String), 2, "0")
        )
    else:
        text = func.printf("%d.%02d", cents // 100, cents % 100)
    return case((cents.is_(None), None), else_=text)


def big(value: ColumnElement[Any] | KeyedColumnElement[Any]) -> ColumnElement[int]:
    """Widen an INTEGER column so arithmetic on it cannot overflow in PostgreSQL."""
    return cast(value, BigInteger)
