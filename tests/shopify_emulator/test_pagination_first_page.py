"""A first page of presorted rows equals what the general cursor arithmetic gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopify_emulator.resolvers.pagination import UNBOUNDED, Connection, paginate

pytestmark = pytest.mark.quick


def shape(connection: Connection[Any]) -> tuple[Any, ...]:
    info = connection.page_info
    return (
        [(edge.key, edge.node, edge.cursor) for edge in connection.edges],
        connection.nodes,
        info.has_next_page,
        info.has_previous_page,
        info.start_cursor,
        info.end_cursor,
    )


@given(
    rows=st.lists(st.integers(0, 50), max_size=12, unique=True),
    first=st.integers(0, 250),
    as_iterator=st.booleans(),
)
def test_first_page_equals_the_general_path(rows: list[int], first: int, as_iterator: bool) -> None:
    ordered = sorted(rows)
    items: Any = iter(ordered) if as_iterator else ordered
    fast = paginate(items, lambda row: (row, row), first=first, presorted=True)
    general = paginate(ordered, lambda row: (row, row), first=first)  # sorts: no shortcut
    assert shape(fast) == shape(general)


def test_negative_first_outside_page_limits_takes_the_general_path() -> None:
    token = UNBOUNDED.set(True)
    try:
        fast = paginate([1, 2, 3], lambda row: (row, row), first=-1, presorted=True)
        general = paginate([1, 2, 3], lambda row: (row, row), first=-1)
    finally:
        UNBOUNDED.reset(token)
    assert shape(fast) == shape(general)
