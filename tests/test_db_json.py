"""JSON columns through the engine's serializer (orjson where it reads back the same) against the
`json.dumps` text every row held before: the same value read back, and the same JSON to the
database's own JSON functions (SQLite's json_tree, PostgreSQL's jsonb)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    insert,
    select,
    text,
    type_coerce,
)

from product_dashboard.db import create_engine
from tests.kit.test_json_column import AWKWARD

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

_TABLE = Table(
    "json_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("value", JSON),
    Column("old", JSON),  # json.dumps's text, as every row held it before
    prefixes=["TEMPORARY"],
)
# json.dumps's text as is (as safety/results.py writes orjson's).
_INSERT = {
    "sqlite": insert(_TABLE).values(old=type_coerce(bindparam("old"), Text())),
    "postgresql": insert(_TABLE).values(old=cast(bindparam("old", type_=Text()), JSON())),
}
_SQLITE_ATOMS = text("SELECT type, atom, key FROM json_tree(:t) ORDER BY id")
_PG_SAME = text("SELECT CAST(:new AS jsonb) = CAST(:old AS jsonb)")


def _generated(rng: random.Random, depth: int = 0) -> Any:
    """Product-like and awkward values: text in many scripts, big and small numbers, nesting."""
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 2**64 - 1])
    if kind == 3:
        return rng.choice([0.1, -0.0, 2.5e-308, 1e300, 19.99, rng.uniform(-1e6, 1e6)])
    if kind in (4, 5):
        alphabet = 'aZ09 "\\/\n\t\x01é☕𝄞中\u2028\U0010ffff'
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
    if kind in (6, 7):
        return {
            str(_generated(rng, 4)): _generated(rng, depth + 1) for _ in range(rng.randrange(5))
        }
    return [_generated(rng, depth + 1) for _ in range(rng.randrange(5))]


def _values() -> list[Any]:
    rng = random.Random(18)
    values = [*AWKWARD, *(_generated(rng) for _ in range(300))]
    stored = []
    for value in values:
        try:
            old_text = json.dumps(value, allow_nan=False)
        except ValueError:
            continue  # NaN: PostgreSQL refuses json.dumps's text (SQLite: the unit test)
        if "\\ud800" not in old_text:  # a lone surrogate: the test below
            stored.append(value)
    return stored


async def test_json_values_read_back_as_json_dumps_stored_them(clean_database: str) -> None:
    values = _values()
    engine = create_engine(clean_database)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_TABLE.metadata.create_all)
            insert_ = _INSERT[engine.dialect.name]
            for n, value in enumerate(values):
                await conn.execute(insert_, {"id": n, "value": value, "old": json.dumps(value)})
            rows = (await conn.execute(select(_TABLE).order_by(_TABLE.c.id))).all()
            texts = (
                await conn.execute(
                    select(cast(_TABLE.c.value, Text), cast(_TABLE.c.old, Text)).order_by(
                        _TABLE.c.id
                    )
                )
            ).all()
            for (n, read, old_read), (new_text, old_text) in zip(rows, texts, strict=True):
                assert json.dumps(read) == json.dumps(old_read), values[n]
                if engine.dialect.name == "sqlite":
                    new_atoms = (await conn.execute(_SQLITE_ATOMS, {"t": new_text})).all()
                    old_atoms = (await conn.execute(_SQLITE_ATOMS, {"t": old_text})).all()
                    assert new_atoms == old_atoms, values[n]
                elif "\\u0000" not in old_text:  # which jsonb refuses
                    same = await conn.scalar(_PG_SAME, {"new": new_text, "old": old_text})
                    assert same, values[n]
            await conn.rollback()
    finally:
        await engine.dispose()


async def test_a_lone_surrogate_reads_back(clean_database: str) -> None:
    """json.dumps's escape of it, which the JSON functions above cannot read, is stored as is."""
    value = {"s": "\ud800"}
    engine = create_engine(clean_database)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_TABLE.metadata.create_all)
            await conn.execute(insert(_TABLE), {"id": 1, "value": value})
            assert await conn.scalar(select(_TABLE.c.value)) == value
            assert await conn.scalar(select(cast(_TABLE.c.value, Text))) == json.dumps(value)
    finally:
        await engine.dispose()
