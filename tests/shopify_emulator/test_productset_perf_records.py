"""The cheap product copy is independent where writers edit, and comparison matches `comparable`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from shopify_emulator.catalog.records import clone, comparable, same_content
from shopify_emulator.models import (
    Collection,
    CollectionRule,
    Media,
    Metafield,
    OptionValue,
    Product,
    ProductOption,
    RuleSet,
)
from tests.shopify_emulator.factories import WHEN, make_product

pytestmark = pytest.mark.quick

LATER = WHEN + timedelta(hours=1)


def rich_product() -> Product:
    product = make_product(
        "Shirt",
        variants=[
            {"title": "S", "option_values": ["S"], "sku": "A"},
            {"title": "M", "option_values": ["M"], "sku": "B"},
        ],
        tags=["a", "b"],
    )
    product.options = [
        ProductOption(1, "Size", 1, [OptionValue(2, "S"), OptionValue(3, "M")]),
    ]
    product.media = [Media(4, "https://cdn.example.com/a.jpg", "alt", WHEN, WHEN)]
    product.metafields = [Metafield(5, "custom", "k", "single_line_text_field", "v", WHEN, WHEN)]
    product.variants[0].metafields = [
        Metafield(6, "custom", "k", "single_line_text_field", "v", WHEN, WHEN)
    ]
    return product


def test_editing_the_copy_in_place_leaves_the_original_alone() -> None:
    original = rich_product()
    snapshot = copy.deepcopy(original)
    duplicate = clone(original)
    duplicate.title = "Changed"
    duplicate.tags.append("c")
    duplicate.options[0].values.append(OptionValue(7, "L"))
    duplicate.options[0].position = 2
    duplicate.options.append(ProductOption(8, "Color", 2, []))
    duplicate.variants[0].price = Decimal("99.00")
    duplicate.variants[0].option_values.append("Red")
    duplicate.variants[0].metafields.append(
        Metafield(9, "custom", "x", "single_line_text_field", "y", WHEN, WHEN)
    )
    duplicate.variants.append(duplicate.variants[1])
    duplicate.media.append(Media(10, "https://cdn.example.com/b.jpg", None, WHEN, WHEN))
    duplicate.metafields.clear()
    assert original == snapshot


def test_an_unedited_copy_has_the_same_content() -> None:
    original = rich_product()
    assert same_content(clone(original), original)
    assert clone(original) == original


Edit = Callable[[Product], None]


def _set_price(p: Product) -> None:
    p.variants[1].price = Decimal("11.00")


def _same_price_other_spelling(p: Product) -> None:
    p.variants[1].price = Decimal("10.000")


def _retitle(p: Product) -> None:
    p.title = "Other"


def _retag(p: Product) -> None:
    p.tags = ["a"]


def _rename_value(p: Product) -> None:
    p.options[0].values[1] = OptionValue(3, "Medium")


def _re_alt_media(p: Product) -> None:
    p.media[0] = Media(4, "https://cdn.example.com/a.jpg", "new alt", WHEN, WHEN)


def _restamp_media(p: Product) -> None:
    p.media[0] = Media(4, "https://cdn.example.com/a.jpg", "alt", LATER, LATER)


def _revalue_variant_metafield(p: Product) -> None:
    p.variants[0].metafields = [
        Metafield(6, "custom", "k", "single_line_text_field", "w", WHEN, LATER)
    ]


def _restamp_variant_metafield(p: Product) -> None:
    p.variants[0].metafields = [
        Metafield(6, "custom", "k", "single_line_text_field", "v", LATER, LATER)
    ]


def _restamp_product_and_variant(p: Product) -> None:
    p.updated_at = LATER
    p.variants[0].updated_at = LATER


def _drop_variant(p: Product) -> None:
    p.variants.pop()


def _reorder_variants(p: Product) -> None:
    p.variants.reverse()


def _drop_media(p: Product) -> None:
    p.media = []


def _nothing(p: Product) -> None:
    return None


@pytest.mark.parametrize(
    ("edit", "differs"),
    [
        (_set_price, True),
        (_same_price_other_spelling, False),
        (_retitle, True),
        (_retag, True),
        (_rename_value, True),
        (_re_alt_media, True),
        (_restamp_media, False),
        (_revalue_variant_metafield, True),
        (_restamp_variant_metafield, False),
        (_restamp_product_and_variant, False),
        (_drop_variant, True),
        (_reorder_variants, True),
        (_drop_media, True),
        (_nothing, False),
    ],
)
def test_same_content_agrees_with_comparable(edit: Edit, differs: bool) -> None:
    original = rich_product()
    # Both an independent deep copy and the cheap clone (which shares untouched records).
    for duplicate in (copy.deepcopy(original), clone(original)):
        edit(duplicate)
        assert (comparable(duplicate) != comparable(original)) is differs
        assert same_content(duplicate, original) is not differs
        assert same_content(original, duplicate) is not differs


def test_same_content_on_collections_with_and_without_rules() -> None:
    manual = Collection(1, "C", "c", WHEN, WHEN, product_ids=[1, 2])
    smart = copy.deepcopy(manual)
    smart.rule_set = RuleSet(False, [CollectionRule("TAG", "EQUALS", "x")])
    other_rule = copy.deepcopy(smart)
    assert other_rule.rule_set is not None
    other_rule.rule_set.rules[0] = CollectionRule("TAG", "EQUALS", "y")
    restamped = copy.deepcopy(smart)
    restamped.updated_at = LATER
    assert not same_content(manual, smart)
    assert not same_content(smart, manual)
    assert not same_content(smart, other_rule)
    assert same_content(smart, restamped)
    reordered = copy.deepcopy(manual)
    reordered.product_ids.reverse()
    assert not same_content(manual, reordered)
