"""The text of a JSON column: what `json.dumps` stored before, read back the same, written faster.

The engine's `json_serializer` (db.py) on SQLite and PostgreSQL alike, in place of SQLAlchemy's
default `json.dumps`. orjson's text differs in form only (no spaces, non-ASCII as is, floats in
their shortest form; both databases read it as the same JSON), except where orjson writes another
value (NaN and infinities as null; a UUID, datetime, dataclass or plain enum, which json.dumps
refuses) or refuses one json.dumps writes (an integer past 64 bits, a key that is not a string, a
lone surrogate, nesting past 254 levels). So orjson's text is kept only when it reads back equal
to the value, and anything else is written, or refused, by `json.dumps` exactly as before. The
check reads back in C: orjson and the check together cost under half of json.dumps.

Reading stays with the dialects' `json.loads`: orjson would read an integer past 64 bits (which
rows written by json.dumps may hold) as a float.

A value whose text was already made the way `dumps` makes it (a snapshot's canonical JSON, which
is also hashed) comes as `JsonText` and is written as it is, not encoded and checked again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class JsonText:
    """A JSON column's value given as its text: exactly what `dumps` writes for the value it
    stands for (the maker of the text answers for that)."""

    text: str


def dumps(value: Any) -> str:
    """`value` as JSON text that reads back as `json.loads(json.dumps(value))` does."""
    if value is None:  # a JSON column left empty: most of them
        return "null"
    if type(value) is JsonText:
        return value.text
    try:
        text = orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value)
    if orjson.loads(text) != value:
        return json.dumps(value)
    return text.decode()


def plain_json_text(value: dict[str, Any]) -> JsonText | dict[str, Any]:
    """`value` as `dumps` writes it, for a value its maker knows to hold only str keys and str
    (str enums included), int, bool, None, list and dict values: orjson's text of those reads
    back equal, so it is kept without `dumps`' read-back check. What orjson refuses (a lone
    surrogate, an integer past 64 bits) is handed back as it is, for `dumps` to write."""
    try:
        return JsonText(orjson.dumps(value).decode())
    except TypeError:  # orjson.JSONEncodeError
        return value
