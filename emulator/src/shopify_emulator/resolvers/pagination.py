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


class Edge(Generic[T]):
    """An edge; its cursor is encoded only if a client asks for it."""

    __slots__ = ("key", "node")

    def __init__(self, key: SortKey, node: T) -> None:
        self.key = key
        self.node = node

    @property
    def cursor(self) -> str:
        return encode_cursor(self.key)


class PageInfo:
    __slots__ = ("_end", "_start", "has_next_page", "has_previous_page")

    def __init__(
        self, has_next: bool, has_previous: bool, start: SortKey | None, end: SortKey | None
    ) -> None:
        self.has_next_page = has_next
        self.has_previous_page = has_previous
        self._start = start
        self._end = end

    @property
    def start_cursor(self) -> str | None:
        return encode_cursor(self._start) if self._start is not None else None

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self._end) if self._end is not None else None


@dataclass
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @property
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def encode_cursor(key: SortKey) -> str:
    value = key[0]
    literal = str(value) if isinstance(value, int) else json.dumps(value)
    text = f'{{"last_id":{key[1]},"last_value":{literal}}}'
    return base64.b64encode(text.encode()).decode()


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
        raise GraphQLError(
            "you must provide one of first or last", extensions={"code": "BAD_REQUEST"}
        )
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
    if (
        presorted
        and first is not None
        and first >= 0
        and last is None
        and not (after or before or reverse)
    ):
        return _first_page(items, key, first)
    if presorted:
        rows = items if isinstance(items, list) else list(items)
        keys: Any = _LazyKeys(rows, key)
    else:
        decorated = sorted(((key(row), row) for row in items), key=lambda pair: pair[0])
        rows = [row for _, row in decorated]
        keys = [k for k, _ in decorated]
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
    size = hi - lo
    start, end = 0, size
    if first is not None:
        end = min(end, first)
    if last is not None:
        start = max(start, end - last)
    positions = range(start, end)
    page = [hi - 1 - p for p in positions] if reverse else [lo + p for p in positions]
    before_window = lo if not reverse else len(rows) - hi
    after_window = len(rows) - hi if not reverse else lo
    edges = [Edge(keys[i], rows[i]) for i in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next=end < size or (after_window > 0 and bool(before)),
            has_previous=start > 0 or (before_window > 0 and bool(after)),
            start=edges[0].key if edges else None,
            end=edges[-1].key if edges else None,
        ),
    )


def _first_page(items: Iterable[T], key: Callable[[T], SortKey], first: int) -> Connection[T]:
    """`paginate` of sorted items with only `first`: the leading rows, no cursor arithmetic."""
    rows = items if isinstance(items, list) else list(items)
    edges = [Edge(key(row), row) for row in rows[:first]]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next=first < len(rows),
            has_previous=False,
            start=edges[0].key if edges else None,
            end=edges[-1].key if edges else None,
        ),
    )


class _LazyKeys:
    """Sort keys of an already-sorted list, computed only where bisect or a page looks."""

    __slots__ = ("_key", "_rows")

    def __init__(self, rows: list[Any], key: Callable[[Any], SortKey]) -> None:
        self._rows = rows
        self._key = key

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> SortKey:
        return self._key(self._rows[index])


def map_nodes(page: Connection[T], convert: Callable[[T], U]) -> Connection[U]:
    """The same page with each node converted (cursors unchanged)."""
    return Connection([Edge(e.key, convert(e.node)) for e in page.edges], page.page_info)


def text_key(value: str | None) -> str:
    return (value or "").lower()


def time_key(value: Any) -> float:
    return value.timestamp() if value is not None else float("-inf")
