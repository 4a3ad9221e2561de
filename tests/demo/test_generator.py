from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from product_dashboard.demo.generator import (
    MAX_VARIANTS,
    DemoCatalog,
    IdStart,
    ean13,
    generate_catalog,
    slugify,
)
from product_dashboard.product.search_index import build_search_text

pytestmark = pytest.mark.quick

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _catalog(count: int, seed: int = 7, **kwargs: Any) -> DemoCatalog:
    merged = DemoCatalog()
    for chunk in generate_catalog(count, seed=seed, now=NOW, chunk_size=97, **kwargs):
        merged.products += chunk.products
        merged.options += chunk.options
        merged.variants += chunk.variants
        merged.tags += chunk.tags
    return merged


@pytest.fixture(scope="module")
def catalog() -> DemoCatalog:
    return _catalog(600)


def _by_product(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["product_id"], []).append(row)
    return grouped


def test_counts_ids_handles_and_skus_are_unique(catalog: DemoCatalog) -> None:
    products = catalog.as_dicts("products")
    variants = catalog.as_dicts("variants")
    assert len(products) == 600
    assert [p["id"] for p in products] == list(range(1, 601))
    assert len({p["handle"] for p in products}) == 600
    assert len({v["sku"] for v in variants}) == len(variants)
    assert len({v["id"] for v in variants}) == len(variants)
    assert all(p["handle"] == slugify(p["handle"]) for p in products)


def test_variants_match_their_options(catalog: DemoCatalog) -> None:
    options = _by_product(catalog.as_dicts("options"))
    variants = _by_product(catalog.as_dicts("variants"))
    for product_id, product_options in options.items():
        assert 1 <= len(product_options) <= 3
        product_variants = variants[product_id]
        assert 1 <= len(product_variants) <= MAX_VARIANTS
        expected = 1
        for option in product_options:
            expected *= len(option["values"])
        assert len(product_variants) == expected
        combos = set()
        for variant in product_variants:
            values = [variant["option1"], variant["option2"], variant["option3"]]
            used = values[: len(product_options)]
            assert values[len(product_options) :] == [None] * (3 - len(product_options))
            for option, value in zip(product_options, used, strict=True):
                assert value in option["values"]
            assert variant["title"] == " / ".join(used)
            combos.add(tuple(used))
        assert len(combos) == len(product_variants)


def test_prices_inventory_and_denormalised_columns(catalog: DemoCatalog) -> None:
    variants = _by_product(catalog.as_dicts("variants"))
    tags = _by_product(catalog.as_dicts("tags"))
    for product in catalog.as_dicts("products"):
        own = variants[product["id"]]
        prices = [v["price_cents"] for v in own]
        assert all(price > 0 and price % 100 in (99, 95, 0) for price in prices)
        for variant in own:
            if variant["compare_at_price_cents"] is not None:
                assert variant["compare_at_price_cents"] > variant["price_cents"]
            assert variant["inventory_quantity"] >= 0
            assert variant["weight_value"] > 0 and variant["weight_unit"] == "GRAMS"
            assert ean13(0)[:2] == variant["barcode"][:2] and len(variant["barcode"]) == 13
        assert product["price_min_cents"] == min(prices)
        assert product["price_max_cents"] == max(prices)
        assert product["total_inventory"] == sum(v["inventory_quantity"] for v in own)
        tag_names = [t["name"] for t in tags.get(product["id"], [])]
        assert product["search_text"] == build_search_text(
            product["title"],
            product["vendor"],
            product["product_type"],
            tag_names,
            [v["sku"] for v in own],
        )
        assert product["description_html"].startswith("<p>")
        assert product["version"] == 1
        assert product["created_at"] <= product["updated_at"] <= NOW


def test_tags_are_unique_per_product_with_lowercase_keys(catalog: DemoCatalog) -> None:
    for product_tags in _by_product(catalog.as_dicts("tags")).values():
        keys = [t["tag_key"] for t in product_tags]
        assert len(keys) == len(set(keys))
        assert all(t["tag_key"] == t["name"].lower() for t in product_tags)


def test_catalog_is_varied(catalog: DemoCatalog) -> None:
    products = catalog.as_dicts("products")
    statuses = Counter(p["status"] for p in products)
    assert statuses["active"] > statuses["draft"] > statuses["archived"] > 0
    assert len({p["vendor"] for p in products}) >= 10
    assert len({p["product_type"] for p in products}) >= 10
    variants = catalog.as_dicts("variants")
    assert any(v["compare_at_price_cents"] for v in variants)
    assert any(v["inventory_quantity"] == 0 for v in variants)
    per_product = Counter(v["product_id"] for v in variants)
    assert min(per_product.values()) == 1 and max(per_product.values()) > 6
    option_counts = Counter(o["product_id"] for o in catalog.as_dicts("options"))
    assert set(option_counts.values()) == {1, 2, 3}


def test_same_seed_same_catalog_other_seed_other_catalog() -> None:
    assert _catalog(50, seed=3) == _catalog(50, seed=3)
    assert _catalog(50, seed=3).products != _catalog(50, seed=4).products


def test_continues_after_existing_ids_handles_and_skus() -> None:
    first = _catalog(20, seed=1)
    taken_handles = {row[2] for row in first.products}
    taken_skus = {row[4] for row in first.variants}
    second = _catalog(
        20,
        seed=1,
        ids=IdStart(product=21, option=1000, variant=5000, tag=9000),
        taken_handles=set(taken_handles),
        taken_skus=set(taken_skus),
    )
    assert second.products[0][0] == 21 and second.variants[0][0] == 5000
    assert not taken_handles & {row[2] for row in second.products}
    assert not taken_skus & {row[4] for row in second.variants}


def test_taken_handles_get_a_numeric_suffix() -> None:
    title = _catalog(1, seed=5).products[0][1]
    again = _catalog(1, seed=5, taken_handles={slugify(title), f"{slugify(title)}-2"})
    assert again.products[0][2] == f"{slugify(title)}-3"


@pytest.mark.parametrize("number", [0, 1, 123456789, 10**12 + 5])
def test_ean13_check_digit(number: int) -> None:
    code = ean13(number)
    digits = [int(d) for d in code]
    assert len(code) == 13
    assert (sum(digits[0:12:2]) + 3 * sum(digits[1:12:2]) + digits[12]) % 10 == 0


def test_collisions_with_taken_values_are_avoided_even_for_the_same_ids() -> None:
    first = _catalog(30, seed=2)
    taken_handles = {row[2] for row in first.products}
    taken_skus = {row[4] for row in first.variants}
    again = _catalog(30, seed=2, taken_handles=set(taken_handles), taken_skus=set(taken_skus))
    assert not taken_handles & {row[2] for row in again.products}
    assert not taken_skus & {row[4] for row in again.variants}
