"""A create's audit entry is written as its text (`kit.json_column.plain_json_text`): the text the
JSON column writes for the entry's dict, for products of every shape the pull makes."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from pydantic import ValidationError

from product_dashboard.exceptions import AppError
from product_dashboard.kit.json_column import JsonText, dumps
from product_dashboard.product.serialize import audit_snapshot
from product_dashboard.product.write_rows import Creation
from product_dashboard.sync.pull.create_set import _build
from product_dashboard.sync.pull.source import RemoteProduct
from tests.sync.pull.test_set_based_differential import first_pull, generated

pytestmark = pytest.mark.quick


def _creations() -> list[Creation]:
    rng = random.Random(5)
    remotes = [*first_pull(), *(generated(i, rng) for i in range(40, 64))]
    quoted = replace(remotes[0].product, title='Café ☕ 𝄞 \u2028 "quoted" \\ </script>')
    creations = []
    for remote in [*remotes, RemoteProduct(quoted, remotes[0].updated_at)]:
        try:
            creations.append(_build(remote).creation)
        except (AppError, ValidationError, ValueError):
            continue  # not valid here: applied one by one, not by this path
    return creations


def _entry(creation: Creation) -> dict[str, object]:
    return {**audit_snapshot(creation.product), "category": creation.audit_category}


def test_a_creates_audit_entry_is_the_text_the_column_writes_for_it() -> None:
    creations = _creations()
    assert len(creations) > 50
    for creation in creations:
        after = creation.audit_after()
        assert isinstance(after, JsonText)
        assert after.text == dumps(_entry(creation))


def test_an_entry_orjson_refuses_is_handed_to_the_column_as_its_dict() -> None:
    creation = _creations()[0]
    creation.product.vendor = "Lone \ud800 surrogate"  # the request's validation refuses it
    assert creation.audit_after() == _entry(creation)
