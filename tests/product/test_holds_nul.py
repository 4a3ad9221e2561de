"""`_holds_nul` (orjson's text looked at first) answers as the plain walk over the value does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from product_dashboard.product.schemas import _holds_nul


def walked(value: Any) -> bool:
    """The NUL check as it was: strings among dict values and list items, nested."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


texts = st.text(alphabet=st.sampled_from(["a", "é", "\x00", "\\", "u", "0", "\ud800", '"']))
leaves = (
    texts
    | st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.decimals(allow_nan=False)
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(texts | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_it_finds_a_nul_exactly_where_the_walk_does(value: Any) -> None:
    assert _holds_nul(value) == walked(value)


def test_the_cases_that_differ_from_plain_json_text() -> None:
    assert _holds_nul({"description_html": "a\x00b"})
    assert not _holds_nul({"key\x00": "value"})  # a key is not looked at
    assert not _holds_nul({"tags": ("in a tuple\x00",)})  # nor a tuple's items
    assert _holds_nul({"weight": Decimal("1.5"), "title": "\x00"})  # beside what orjson refuses
    assert not _holds_nul({"title": "written \\u0000 as text"})
