"""Relay connections over in-memory lists with Shopify-style opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import GraphQLError

T = TypeVar("T")
U = TypeVar("U")
SortKey = tuple[Any, int]

MAX_PAGE_SIZE = 250


@dataclass
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass
class Edge(Generic[T]):
    cursor: str
    node: T


@dataclass
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @property
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def encode_cursor(key: SortKey) -> str:
    payload = {"last_id": key[1], "last_value": key[0]}
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> SortKey:
    try:
        payload = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return (payload["last_value"], int(payload["last_id"]))
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise GraphQLError("Invalid cursor for current pagination sort.") from exc


# Set while a bulk query runs: Shopify's bulk queries page through whole connections.
UNBOUNDED: ContextVar[bool] = ContextVar("shopify_emulator_unbounded", default=False)


def require_page_size(first: int | None, last: int | None) -> None:
    if UNBOUNDED.get():
        return
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    for name, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE_SIZE:
            raise GraphQLError(
                f"The '{name}' argument must not exceed {MAX_PAGE_SIZE}.",
                extensions={"code": "BAD_REQUEST"},
            )
        if value is not None and value < 0:
            raise GraphQLError(f"The '{name}' argument must be a positive number.")


def paginate(
    items: Iterable[T],
    key: Callable[[T], SortKey],
    *,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    reverse: bool = False,
    presorted: bool = False,
) -> Connection[T]:
    """Slice `items` (ascending by `key`, reversed when asked) by cursors and page size."""
    require_page_size(first, last)
    rows = list(items) if presorted else sorted(items, key=key)
    keys = [key(row) for row in rows]
    lo, hi = 0, len(rows)
    try:
        if after:
            k = decode_cursor(after)
            if reverse:
                hi = min(hi, bisect_left(keys, k))
            else:
                lo = max(lo, bisect_right(keys, k))
        if before:
            k = decode_cursor(before)
            if reverse:
                lo = max(lo, bisect_right(keys, k))
            else:
                hi = min(hi, bisect_left(keys, k))
    except TypeError as exc:
        raise GraphQLError("Invalid cursor for current pagination sort.") from exc
    hi = max(hi, lo)
    order = list(range(lo, hi))
    if reverse:
        order.reverse()
    before_window = lo if not reverse else len(rows) - hi
    after_window = len(rows) - hi if not reverse else lo
    start, end = 0, len(order)
    if first is not None:
        end = min(end, first)
    if last is not None:
        start = max(start, end - last)
    page = order[start:end]
    edges = [Edge(encode_cursor(keys[i]), rows[i]) for i in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=end < len(order) or (after_window > 0 and bool(before)),
            has_previous_page=start > 0 or (before_window > 0 and bool(after)),
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def map_nodes(page: Connection[T], convert: Callable[[T], U]) -> Connection[U]:
    """The same page with each node converted (cursors unchanged)."""
    return Connection([Edge(e.cursor, convert(e.node)) for e in page.edges], page.page_info)


def text_key(value: str | None) -> str:
    return (value or "").lower()


def time_key(value: Any) -> float:
    return value.timestamp() if value is not None else float("-inf")
