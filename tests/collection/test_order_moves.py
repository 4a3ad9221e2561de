"""The moves that put Shopify's order of a manual collection into ours."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from product_dashboard.collection.sync import order_moves

pytestmark = pytest.mark.quick


def apply(current: list[str], moves: list[tuple[str, int]]) -> list[str]:
    """Shopify's semantics: each move takes the product out and puts it at its position."""
    order = list(current)
    for gid, position in moves:
        order.remove(gid)
        order.insert(min(position, len(order)), gid)
    return order


@given(st.permutations([f"gid://shopify/Product/{n}" for n in range(12)]))
def test_moves_reach_the_wanted_order(wanted: list[str]) -> None:
    current = sorted(wanted)
    assert apply(current, order_moves(current, wanted)) == wanted


def test_same_order_needs_no_move() -> None:
    assert order_moves(["a", "b", "c"], ["a", "b", "c"]) == []


def test_one_product_moved_to_the_front_is_one_move() -> None:
    assert order_moves(["a", "b", "c", "d"], ["d", "a", "b", "c"]) == [("d", 0)]
