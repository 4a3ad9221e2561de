"""Three-way comparison: one-sided changes merge, two-sided different changes conflict."""

from __future__ import annotations

from dataclasses import replace

import pytest

from product_dashboard.conflict.shapes import base_product
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.conflict.threeway import Side, apply_choices, compare
from product_dashboard.shopify.mapping import SyncOption, SyncProduct, SyncVariant

pytestmark = pytest.mark.quick


def _variant(size: str, price: int, sku: str, gid: str | None = None) -> SyncVariant:
    return SyncVariant(
        sku=sku,
        barcode=None,
        price_cents=price,
        compare_at_price_cents=None,
        inventory_quantity=3,
        weight_grams=None,
        option_values=[size],
        shopify_variant_id=gid,
    )


def _product(**changes: object) -> SyncProduct:
    product = SyncProduct(
        title="Tee",
        handle="tee",
        description_html="<p>x</p>",
        vendor="Acme",
        product_type="Shirts",
        status="active",
        tags=["cotton", "summer"],
        category_id=None,
        options=[SyncOption("Size", ["S", "M"])],
        variants=[_variant("S", 1000, "T-S", "gid://v/1"), _variant("M", 1000, "T-M", "gid://v/2")],
        shopify_product_id="gid://shopify/Product/1",
    )
    return replace(product, **changes)  # type: ignore[arg-type]


def _base() -> SyncProduct:
    """The base as the push recorder stores it (no variant ids, no inventory)."""
    return base_product(SyncedSnapshot.of(_product()).to_stored())


def test_nothing_changed_means_no_diffs() -> None:
    assert compare(_base(), _product(), _product()).diffs == []


def test_remote_only_change_is_merged() -> None:
    result = compare(_base(), _product(), _product(vendor="Acme Mills", tags=["summer", "new"]))
    assert {d.path: d.side for d in result.diffs} == {"vendor": Side.remote, "tags": Side.remote}
    assert result.merged.vendor == "Acme Mills"
    assert sorted(result.merged.tags) == ["new", "summer"]
    assert result.conflicts == []


def test_local_only_change_is_kept() -> None:
    result = compare(_base(), _product(title="Better tee"), _product())
    assert [(d.path, d.side) for d in result.diffs] == [("title", Side.local)]
    assert result.merged.title == "Better tee"


def test_same_change_on_both_sides_is_no_conflict() -> None:
    assert compare(_base(), _product(title="New"), _product(title="New")).diffs == []


def test_different_changes_to_one_field_conflict_and_keep_local() -> None:
    result = compare(_base(), _product(title="Ours"), _product(title="Theirs", vendor="V2"))
    [conflict] = result.conflicts
    assert (conflict.path, conflict.base, conflict.local, conflict.remote) == (
        "title",
        "Tee",
        "Ours",
        "Theirs",
    )
    assert result.merged.title == "Ours"
    assert result.merged.vendor == "V2"


def test_variant_fields_are_compared_per_variant() -> None:
    local = _product(
        variants=[
            _variant("S", 1000, "T-S-2", "gid://v/1"),
            _variant("M", 1000, "T-M", "gid://v/2"),
        ]
    )
    remote = _product(
        variants=[_variant("S", 1200, "T-S", "gid://v/1"), _variant("M", 900, "T-M", "gid://v/2")]
    )
    result = compare(_base(), local, remote)
    sides = {d.path: d.side for d in result.diffs}
    assert sides == {
        "variants[S].sku": Side.local,
        "variants[S].price": Side.remote,
        "variants[M].price": Side.remote,
    }
    assert [(v.sku, v.price_cents) for v in result.merged.variants] == [
        ("T-S-2", 1200),
        ("T-M", 900),
    ]


def test_inventory_is_not_a_three_way_field() -> None:
    """Shopify's quantities are merged per location by inventory.levels (tests/inventory): the
    three-way comparison neither reports them nor copies them over the local ones."""
    local = _product()
    remote = _product(variants=[replace(v, inventory_quantity=9) for v in _product().variants])
    result = compare(_base(), local, remote)
    assert result.diffs == []
    assert [v.inventory_quantity for v in result.merged.variants] == [
        v.inventory_quantity for v in local.variants
    ]


def test_variant_added_remotely_and_removed_remotely() -> None:
    remote = _product(
        options=[SyncOption("Size", ["S", "L"])],
        variants=[_variant("S", 1000, "T-S", "gid://v/1"), _variant("L", 1100, "T-L", "gid://v/3")],
    )
    result = compare(_base(), _product(), remote)
    sides = {d.path: d.side for d in result.diffs}
    assert sides == {"options": Side.remote, "variants[M]": Side.remote, "variants[L]": Side.remote}
    assert [v.option_values for v in result.merged.variants] == [["S"], ["L"]]


def test_variant_edited_locally_but_deleted_remotely_conflicts() -> None:
    local = _product(
        variants=[_variant("S", 1000, "T-S", "gid://v/1"), _variant("M", 1500, "T-M", "gid://v/2")]
    )
    remote = _product(
        options=[SyncOption("Size", ["S"])], variants=[_variant("S", 1000, "T-S", "gid://v/1")]
    )
    result = compare(_base(), local, remote)
    assert [d.path for d in result.conflicts] == ["variants[M]"]
    assert len(result.merged.variants) == 2  # kept until someone decides


def test_without_base_every_difference_is_a_conflict() -> None:
    result = compare(None, _product(title="A"), _product(title="B"))
    assert [d.path for d in result.conflicts] == ["title"]


def test_apply_choices_takes_values_per_path() -> None:
    remote = _product(title="Theirs")
    chosen = apply_choices(
        _product(title="Ours"),
        remote,
        {"title": "Merged", "variants[S].price": "12.50", "variants[M]": None},
    )
    assert chosen.title == "Merged"
    assert [(v.option_values, v.price_cents) for v in chosen.variants] == [(["S"], 1250)]
