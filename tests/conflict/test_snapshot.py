"""The stored sync snapshot's canonical JSON: byte for byte what earlier versions hashed."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from product_dashboard.conflict.snapshot import (
    ItemDetail,
    SnapshotMetafield,
    SyncedSnapshot,
    VariantDetail,
    canonical_json,
)
from product_dashboard.kit import json_column
from product_dashboard.shopify.mapping import SyncVariant
from tests.sync.pull.test_set_based_differential import generated

pytestmark = pytest.mark.quick

_json_text = st.text(st.characters(exclude_categories=["Cs"]))  # surrogates: not storable text
_snapshot_like = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _json_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_json_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_json_text, _snapshot_like, max_size=6))
def test_canonical_json_is_byte_for_byte_the_legacy_encoding(snapshot: dict[str, Any]) -> None:
    """The stored `synced_hash` digests this text: any drift would make synced products look
    changed (and push them all again)."""
    legacy = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_json(snapshot) == legacy


def test_canonical_json_takes_text_orjson_refuses() -> None:
    snapshot = {"title": "half a pair \ud83d"}
    assert canonical_json(snapshot) == '{"title":"half a pair \ud83d"}'


def _pair(title: str, alt: str) -> dict[str, Any]:
    return {
        "category_id": None,
        "description_html": "",
        "format": 1,
        "handle": "pair",
        "images": [{"alt": alt, "src": "https://cdn.example.com/pair.jpg"}],
        "options": [{"name": "Side", "values": ["left"]}],
        "product_type": "",
        "status": "active",
        "tags": ["odd"],
        "title": title,
        "variants": [
            {
                "barcode": None,
                "compare_at_price": None,
                "option_values": ["left"],
                "price": "1.00",
                "sku": "P-L",
            }
        ],
        "vendor": "",
    }


def test_a_snapshot_orjson_refuses_is_encoded_as_its_stored_form() -> None:
    stored = _pair("half a pair \ud83d", "left \ud83d")
    snapshot = SyncedSnapshot.from_stored(stored)
    legacy = json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert snapshot.canonical_json() == legacy
    assert snapshot.to_stored() == stored


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text())
def test_the_stored_form_is_its_canonical_json_read_back(title: str, alt: str) -> None:
    """Read back by orjson where orjson wrote it, by the standard reader otherwise."""
    snapshot = SyncedSnapshot.from_stored(_pair(title, alt))
    assert snapshot.to_stored() == json.loads(snapshot.canonical_json())


def _written_as_stored(snapshot: SyncedSnapshot) -> None:
    written, snapshot_hash = snapshot.written_and_hash()
    assert json_column.dumps(written) == json_column.dumps(snapshot.to_stored())
    assert snapshot_hash == snapshot.snapshot_hash()


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text())
def test_a_new_rows_snapshot_is_written_as_its_stored_form_would_be(title: str, alt: str) -> None:
    """A new product's row takes the canonical text itself (`written_and_hash`): the very text
    the JSON column writes for the stored form, surrogates and all."""
    _written_as_stored(SyncedSnapshot.from_stored(_pair(title, alt)))


@pytest.mark.parametrize("number", range(24))
def test_a_pulled_products_snapshot_is_written_as_its_stored_form_would_be(number: int) -> None:
    """With details: linked options, metafields, variant items, weights, images."""
    _written_as_stored(SyncedSnapshot.of(generated(number, random.Random(number)).product))


@pytest.mark.parametrize("number", range(24))
def test_a_variant_detail_is_its_fields(number: int) -> None:
    """`VariantDetail.of` answers the shared empty detail without building one: equal to the
    detail built from every field, whichever fields a variant holds."""
    for variant in generated(number, random.Random(number)).product.variants:
        for told in (variant, replace(variant, **dict.fromkeys(_DETAIL_FIELDS)), _bare(variant)):
            assert VariantDetail.of(told) == VariantDetail(
                image_src=told.image_src,
                inventory_item=ItemDetail.of(told),
                metafields=tuple(
                    sorted(
                        (SnapshotMetafield.of(m) for m in told.metafields),
                        key=lambda m: (m.namespace, m.key),
                    )
                ),
                requires_shipping=told.requires_shipping,
                tax_code=told.tax_code,
                taxable=told.taxable,
            )


_DETAIL_FIELDS = ("image_src", "requires_shipping", "tax_code", "taxable")
_ITEM_FIELDS = ("cost_cents", "country_of_origin", "hs_code", "inventory_policy")


def _bare(variant: SyncVariant) -> SyncVariant:
    """The variant without any detail but one field at a time (cycled by its price)."""
    bare = replace(
        variant,
        metafields=[],
        inventory_tracked=None,
        weight_value=None,
        **dict.fromkeys((*_DETAIL_FIELDS, *_ITEM_FIELDS)),
    )
    keep = variant.price_cents % 3
    if keep == 1:
        bare.tax_code = "P0000000"
    elif keep == 2:
        bare.metafields = list(variant.metafields)
    return bare
