"""`from_shopify_product` with its caches (prices by text, weights by value and unit) gives what
it gives without them, on awkward nodes: repr compared, so Decimal("1") and Decimal("1.0") (equal
numbers, different weights as given) stay apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from product_dashboard.kit import money
from product_dashboard.shopify import mapping
from product_dashboard.shopify.mapping import MEDIA, from_shopify_product, money_to_cents

pytestmark = pytest.mark.quick


def _variant(n: int, options: list[tuple[str, str]], **fields: Any) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/ProductVariant/{n}",
        "sku": f"SKU-{n}",
        "price": fields.pop("price", "19.99"),
        "compareAtPrice": fields.pop("compareAtPrice", None),
        "inventoryQuantity": n % 7,
        "taxable": True,
        "selectedOptions": [{"name": name, "value": value} for name, value in options],
        "inventoryPolicy": "DENY",
        "inventoryItem": {
            "requiresShipping": True,
            "tracked": True,
            "unitCost": fields.pop("unitCost", None),
            "measurement": {"weight": fields.pop("weight", None)},
        },
        **fields,
    }


def _product(variants: list[dict[str, Any]], options: list[dict[str, Any]], **fields: Any) -> Any:
    return {
        "id": "gid://shopify/Product/1",
        "handle": "tasse-à-café-☕-日本",
        "title": "Tasse à café ☕ \U0001f600",
        "descriptionHtml": '<p style="color:#f00; font-family:&quot;Noto&quot;">Fine</p>',
        "status": "ACTIVE",
        "tags": ["été", "ÉTÉ"],
        "seo": {"title": None, "description": None},
        "templateSuffix": None,
        "isGiftCard": False,
        "publishedAt": None,
        "options": options,
        "variants": {"nodes": variants},
        "media": {"nodes": []},
        "metafields": {"nodes": []},
        **fields,
    }


def _option(name: str, values: list[str]) -> dict[str, Any]:
    return {"name": name, "optionValues": [{"name": value} for value in values]}


WEIGHTS: list[dict[str, Any] | None] = [
    {"unit": "GRAMS", "value": 0.4},
    {"unit": "GRAMS", "value": 0.5},
    {"unit": "GRAMS", "value": 1},
    {"unit": "GRAMS", "value": 1.0},
    {"unit": "GRAMS", "value": "1.0"},
    {"unit": "OUNCES", "value": 8},
    {"unit": "POUNDS", "value": 2.205},
    {"unit": None, "value": 12.5},
    {"unit": "KILOGRAMS", "value": 0},
    None,
]
PRICES = ["19.99", "19.990", "0.01", "0.10", "-1.5", "12", "1e2", 19.99, 7]


def awkward_nodes() -> Iterator[tuple[str, Any]]:
    sizes = [str(n) for n in range(32)]
    colours = [f"Colour {n}" for n in range(64)]
    many = [
        _variant(
            n,
            [("Size", sizes[n % 32]), ("Colour", colours[n // 32])],
            price=PRICES[n % len(PRICES)],
            weight=WEIGHTS[n % len(WEIGHTS)],
        )
        for n in range(2048)
    ]
    yield "2,048 variants", _product(many, [_option("Size", sizes), _option("Colour", colours)])
    case = [_variant(1, [("Colour", "Red")]), _variant(2, [("Colour", "red")])]
    yield "values differing in case", _product(case, [_option("Colour", ["Red", "red"])])
    grams = [
        _variant(n, [("Title", "Default Title")], weight=weight, unitCost={"amount": "0.120"})
        for n, weight in enumerate(WEIGHTS)
    ]
    yield "fractional grams", _product(grams[:1], [_option("Title", ["Default Title"])])
    yield (
        "every weight",
        _product(
            [
                {**v, "selectedOptions": [{"name": "W", "value": str(n)}]}
                for n, v in enumerate(grams)
            ],
            [_option("W", [str(n) for n in range(len(grams))])],
        ),
    )
    yield (
        "no lists asked",
        {
            k: v
            for k, v in _product(case, []).items()
            if k not in ("media", "metafields", "options")
        },
    )


def _uncached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(money, "_text_to_cents", money._to_cents)
    monkeypatch.setattr(mapping, "_plain_weight", mapping._weight_of)


@pytest.mark.parametrize("name", [name for name, _ in awkward_nodes()])
def test_cached_mapping_equals_uncached(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    node = dict(awkward_nodes())[name]
    cold, warm = repr(from_shopify_product(node)), repr(from_shopify_product(node))
    _uncached(monkeypatch)
    assert cold == warm == repr(from_shopify_product(node))


def test_cached_values_fail_as_uncached_ones_do() -> None:
    for amount in ("", "abc", "1,50", "0.005"):
        for _ in range(2):
            with pytest.raises(ValueError):
                money_to_cents(amount)
    for value in ("abc", True, [1]):
        node = _product([_variant(1, [("W", "1")], weight={"unit": "GRAMS", "value": value})], [])
        for _ in range(2):
            with pytest.raises(ArithmeticError):
                from_shopify_product(node)
    assert money_to_cents("0.01") == money_to_cents(0.01) == 1


def test_a_media_without_a_url_leaves_the_media_not_known() -> None:
    ready = {"id": "gid://shopify/MediaImage/1", "image": {"url": "https://x/a.jpg"}}
    processing = {"id": "gid://shopify/MediaImage/2", "image": None, "preview": {}}
    variants = [_variant(1, [("Title", "Default Title")])]
    options = [_option("Title", ["Default Title"])]
    whole = from_shopify_product(_product(variants, options, media={"nodes": [ready]}))
    part = from_shopify_product(_product(variants, options, media={"nodes": [ready, processing]}))
    assert whole.knows(MEDIA) and not part.knows(MEDIA)
    assert [image.src for image in part.images] == ["https://x/a.jpg"]
