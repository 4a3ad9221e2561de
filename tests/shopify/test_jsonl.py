"""Bulk result JSONL parsed from the downloaded bytes (`shopify.jsonl.JsonLines`), checked
against reading the same file as text cut by `str.splitlines()` (what httpx's `aiter_lines`
does, and what the result download did before): the same values or the same error, except
where a line holds a raw U+2028, U+2029 or U+0085 inside a string, which text splitting broke."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest

from product_dashboard.shopify.jsonl import JsonLines

pytestmark = pytest.mark.quick

PRODUCT = {
    "id": "gid://shopify/Product/1",
    "handle": "tasse-à-café-☕-日本",
    "title": "Tasse à café ☕ \U0001f600",
    "descriptionHtml": '<p style="color:#f00; font-family:\\"Noto\\"">Fine <b>china</b></p>',
    "tags": ["été", "ÉTÉ", ""],
    "media": {"nodes": []},
    "metafields": {"nodes": []},
}
VARIANT = {
    "id": "gid://shopify/ProductVariant/2",
    "price": "12.50",
    "inventoryItem": {"measurement": {"weight": {"unit": "GRAMS", "value": 0.4}}},
    "__parentId": "gid://shopify/Product/1",
}


MANY_VARIANTS = [
    {**VARIANT, "id": f"gid://shopify/ProductVariant/{n}", "price": f"{n}.{n % 100:02d}"}
    for n in range(2048)
]


def text_reading(data: bytes) -> list[Any]:
    """The reader before: the file decoded (invalid bytes replaced), split into lines, each
    non-blank one parsed."""
    text = data.decode("utf-8", errors="replace")
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


def byte_reading(data: bytes, cuts: list[int]) -> list[Any]:
    lines = JsonLines()
    values: list[Any] = []
    start = 0
    for end in [*cuts, len(data)]:
        values.extend(lines.feed(data[start:end]))
        start = end
    values.extend(lines.finish())
    return values


def outcome(read: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "values", read(*args)
    except orjson.JSONDecodeError as exc:
        return "error", type(exc)


def chunkings(data: bytes, rng: random.Random) -> list[list[int]]:
    """Whole, byte by byte, and some random cuts (through multi-byte characters too)."""
    random_cuts = [
        sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(1, 12))))
        for _ in range(20)
    ]
    return [[], list(range(1, len(data))), *random_cuts]


def line(value: Any) -> bytes:
    return orjson.dumps(value) + b"\n"


AWKWARD: dict[str, bytes] = {
    "unicode handles and titles": line(PRODUCT) + line(VARIANT),
    "no final newline": line(PRODUCT) + orjson.dumps(VARIANT),
    "CRLF line ends": (line(PRODUCT) + line(VARIANT)).replace(b"\n", b"\r\n"),
    "bare CR line ends": (line(PRODUCT) + line(VARIANT)).replace(b"\n", b"\r"),
    "blank and whitespace lines": b"\n  \n" + line(PRODUCT) + b"\t\n\n" + line(VARIANT) + b" ",
    "unicode whitespace line": line(PRODUCT) + "\u3000\u00a0\n".encode() + line(VARIANT),
    "invalid UTF-8 inside a string": b'{"title":"caf\xe9 \xff"}\n' + line(VARIANT),
    "2,048 variants": line(PRODUCT) + b"".join(map(line, MANY_VARIANTS)),
    "empty lists": line({**PRODUCT, "tags": [], "options": []}),
    "empty file": b"",
    "a malformed line": line(PRODUCT) + b'{"id": "gid://shopify/ProductVariant/3",\n',
    "a line that is no JSON": line(PRODUCT) + b"<html>Service unavailable</html>\n",
    "two values on one line": b'{"a":1} {"b":2}\n',
    "a BOM": b"\xef\xbb\xbf" + line(PRODUCT),
}


@pytest.mark.parametrize("name", list(AWKWARD))
def test_bytes_read_as_the_text_reader_read_them(name: str) -> None:
    data = AWKWARD[name]
    expected = outcome(text_reading, data)
    for cuts in chunkings(data, random.Random(name)) if data else [[]]:
        assert outcome(byte_reading, data, cuts) == expected, cuts


def test_raw_line_separators_inside_strings_stay_in_their_line() -> None:
    product = {**PRODUCT, "descriptionHtml": "<p>a\u2028b\u2029c\x85d\u000b</p>"}
    data = line(product) + line(VARIANT)
    assert "\u2028".encode() in data  # orjson, like Shopify's writer, leaves them raw

    assert outcome(text_reading, data)[0] == "error"
    for cuts in chunkings(data, random.Random(7)):
        assert byte_reading(data, cuts) == [product, VARIANT]
