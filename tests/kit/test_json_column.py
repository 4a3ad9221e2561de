"""A JSON column's text (orjson where it reads back the same) against `json.dumps`, which wrote
every row before: the same value read back, and the same values refused."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from product_dashboard.kit.json_column import JsonText, dumps, plain_json_text

pytestmark = pytest.mark.quick

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # lone surrogates included
)
_keys = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(), inner, max_size=5)
        | st.dictionaries(_keys, inner, max_size=3)
    ),
    max_leaves=40,
)


def read_back(text: str) -> str:
    """What the column reads (json.loads), written out again so NaN compares equal to NaN."""
    return json.dumps(json.loads(text))


class Colour(enum.Enum):
    red = 1


class Size(enum.StrEnum):
    small = "S"


class Count(enum.IntEnum):
    one = 1


@dataclasses.dataclass
class Point:
    x: int


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


AWKWARD = [
    None,
    {},
    [],
    {"title": 'Café ☕ 𝄞 \u2028 \x00 "quoted" \\ </script>', "n": 1, "ok": True, "none": None},
    {"big": 2**64, "small": -(2**63) - 1, "edge": 2**64 - 1, "low": -(2**63)},
    {"floats": [0.1, -0.0, 1e16, 1e-320, 5e-324, 1.7976931348623157e308, 123456789.123456789]},
    {"nan": math.nan, "inf": [math.inf, -math.inf]},
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
    {"surrogate": "\ud800"},
    ("a", ("b", 1)),
    {"enum": Size.small, "int_enum": Count.one},
    _nested(300),
    {"v": [{"price": "19.99", "options": ["Red", "Large"], "sku": None}] * 3},
]


@pytest.mark.parametrize("value", AWKWARD, ids=range(len(AWKWARD)))
def test_awkward_values_read_back_as_json_dumps_wrote_them(value: Any) -> None:
    assert read_back(dumps(value)) == read_back(json.dumps(value))


@pytest.mark.parametrize(
    "value",
    [
        {"at": datetime(2026, 12, 6, tzinfo=UTC)},
        {"id": uuid.UUID(int=1)},
        [Colour.red],
        [Decimal("1.5")],
        {"point": Point(1)},
        {1, 2},
        b"bytes",
    ],
)
def test_values_json_dumps_refuses_are_still_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        dumps(value)


def test_a_circular_value_is_refused_as_before() -> None:
    value: list[Any] = []
    value.append(value)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps(value)


def test_plain_values_are_written_by_orjson() -> None:
    """Compact UTF-8 text: the speed the serializer is for (json.dumps writes spaces)."""
    assert dumps({"a": [1, "é"]}) == '{"a":[1,"é"]}'


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_any_value_reads_back_as_json_dumps_wrote_it(value: Any) -> None:
    try:
        expected = read_back(json.dumps(value))
    except (TypeError, ValueError) as refused:
        with pytest.raises(type(refused)):
            dumps(value)
        return
    assert read_back(dumps(value)) == expected


_plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # past 64 bits: handed back
    | st.text()  # lone surrogates included: handed back
    | st.sampled_from(list(Size)),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.text(), _plain, max_size=6))
def test_plain_json_text_is_what_dumps_writes(value: dict[str, Any]) -> None:
    """The shortcut for a value of plain JSON values (an audit snapshot): the very text `dumps`
    writes for it, or the value itself handed back where orjson refuses it."""
    written = plain_json_text(value)
    if isinstance(written, JsonText):
        assert written.text == dumps(value)
    else:
        assert written is value
        with pytest.raises(TypeError):
            orjson.dumps(value)
    assert dumps(written) == dumps(value)
