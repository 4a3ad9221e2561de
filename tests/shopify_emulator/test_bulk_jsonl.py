"""Uploaded JSONL is read exactly as the standard library's decoder reads it."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopify_emulator.bulk.validation import InvalidJsonl, read_jsonl_objects
from tests.shopify_emulator.strict_equality import same

pytestmark = pytest.mark.quick

_DECODER = json.JSONDecoder()


def reference(source: bytes) -> list[tuple[int, Any]] | str:
    """The objects the standard decoder finds, or the InvalidJsonl message."""
    objects = []
    for index, raw in enumerate(io.BytesIO(source)):
        if not raw.strip():
            continue
        try:
            value = _DECODER.decode(raw.decode("utf-8"))
        except ValueError as error:
            return str(InvalidJsonl(index, str(error)))
        if not isinstance(value, dict):
            return str(InvalidJsonl(index, "each line must be a JSON object of variables"))
        objects.append((index, value))
    return objects


def read(source: bytes) -> list[tuple[int, Any]] | str:
    try:
        return read_jsonl_objects(source)
    except InvalidJsonl as invalid:
        return str(invalid)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=6),
    st.sampled_from(["\ud800", "\x00", "é😀", "9" * 25]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)


@given(st.lists(st.dictionaries(st.text(max_size=4), VALUES, max_size=4), max_size=4))
def test_objects_are_decoded_as_the_standard_decoder_does(objects: list[dict[str, Any]]) -> None:
    source = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode(
        "utf-8", "surrogatepass"
    )
    assert same(read(source), reference(source))


@pytest.mark.parametrize(
    "source",
    [
        b'{"a": 1}\n\n  \n{"b": [1, 2.5, null]}\r\n',
        b'{"a":1, "a":2, "b":3}\n',
        b'\xef\xbb\xbf{"a": 1}\n',
        b'{"x": NaN, "y": -Infinity}\n',
        b'{"x": 1e400}\n',
        b'{"x": 123456789012345678901234567890, "y": -9223372036854775809}\n',
        b'{"s": "\\ud800"}\n',
        b'{"s": "\x01"}\n',
        b"[1, 2]\n",
        b'{"a": 1} x\n',
        b'{"a": "\xff"}\n',
        b'{"a": 1,}\n',
        b'{"a": 1}\n{"b": \n',
        b'{"id": "gid://shopify/Product/1234567890123456789012"}\n',
    ],
)
def test_edge_cases_match_the_standard_decoder(source: bytes) -> None:
    assert same(read(source), reference(source))
