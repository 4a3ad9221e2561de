"""The generic field diff: derived from the shapes, including fields it was never told about."""

from __future__ import annotations

import pytest

from product_dashboard.safety.diff import ChangeKind, diff

pytestmark = pytest.mark.quick


def shape(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "format": 1,
        "title": "Cap",
        "tags": ["wool", "winter"],
        "variants": [
            {"option_values": ["Red"], "price": "10.00", "sku": "C-R"},
            {"option_values": ["Blue"], "price": "10.00", "sku": "C-B"},
        ],
        "images": [{"src": "https://x/1.jpg", "alt": None}],
    }
    return {**base, **overrides}


def test_scalars_lists_and_elements_by_identity() -> None:
    after = shape(
        title="Wool cap",
        tags=["wool"],
        variants=[
            {"option_values": ["Blue"], "price": "12.00", "sku": "C-B"},
            {"option_values": ["Green"], "price": "10.00", "sku": "C-G"},
        ],
        images=[{"src": "https://x/1.jpg", "alt": "front"}],
    )
    changes = {(c.path, c.kind): (c.old, c.new) for c in diff(shape(), after)}
    assert changes == {
        ("title", ChangeKind.changed): ("Cap", "Wool cap"),
        ("tags", ChangeKind.changed): (["wool", "winter"], ["wool"]),
        ("variants[Red]", ChangeKind.removed): (
            {"option_values": ["Red"], "price": "10.00", "sku": "C-R"},
            None,
        ),
        ("variants[Green]", ChangeKind.added): (
            None,
            {"option_values": ["Green"], "price": "10.00", "sku": "C-G"},
        ),
        ("variants[Blue].price", ChangeKind.changed): ("10.00", "12.00"),
        ("images[https://x/1.jpg].alt", ChangeKind.changed): (None, "front"),
    }
    assert {c.field for c in diff(shape(), after)} == {
        "title",
        "tags",
        "variants",
        "variants.price",
        "images.alt",
    }


def test_a_field_the_diff_never_heard_of_shows_up() -> None:
    before = shape(seo={"title": None}, metafields=[{"namespace": "a", "key": "b", "value": "1"}])
    after = shape(seo={"title": "Caps"}, metafields=[{"namespace": "a", "key": "b", "value": "2"}])
    paths = {c.path: (c.old, c.new) for c in diff(before, after)}
    assert paths == {"seo.title": (None, "Caps"), "metafields[a.b].value": ("1", "2")}


def test_same_shapes_and_bookkeeping_keys_make_no_change() -> None:
    assert diff(shape(), shape(format=2)) == []
    assert [c.path for c in diff(None, {"title": "x"})] == ["title"]


def test_a_groups_fields_are_their_parents_own() -> None:
    """The snapshot's `more` groups (fields kept apart for its hashes) show field by field, as a
    merchant knows them; a group first read (None before) names only the fields it sets."""
    before = shape(
        detail={"gift_card": None, "more": None},
        variants=[
            {"option_values": ["Red"], "price": "10.00", "sku": "C-R", "inventory_item": {}},
            {"option_values": ["Blue"], "price": "10.00", "sku": "C-B"},
        ],
    )
    after = shape(
        detail={
            "gift_card": False,
            "more": {
                "gift_card_template_suffix": None,
                "requires_selling_plan": True,
                "combined_listing_role": None,
            },
        },
        variants=[
            {
                "option_values": ["Red"],
                "price": "10.00",
                "sku": "C-R",
                "inventory_item": {"more": {"show_unit_price": True, "requires_components": None}},
            },
            {"option_values": ["Blue"], "price": "10.00", "sku": "C-B"},
        ],
    )
    changes = {(c.path, c.field, c.old, c.new) for c in diff(before, after)}
    assert changes == {
        ("detail.gift_card", "detail.gift_card", None, False),
        ("detail.requires_selling_plan", "detail.requires_selling_plan", None, True),
        (
            "variants[Red].inventory_item.show_unit_price",
            "variants.inventory_item.show_unit_price",
            None,
            True,
        ),
    }
    assert diff(after, before)[0].kind is ChangeKind.changed
