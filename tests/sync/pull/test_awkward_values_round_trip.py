"""Awkward real-world values through Shopify and back, field by field, against the emulator.

A store product carries what merchants really hold: Unicode in the handle and everywhere else,
option values that differ only in case, fractional and non-metric weights, barcodes with leading
zeros, SKUs with spaces, compare-at prices of 0 and none, tags with quotes, metafields of most
types (JSON and lists too), SEO, a category and HTML with styles, a script and an iframe. It is
pulled into the catalog (every value as the store holds it), a push with no edit sends nothing,
a pull into an empty catalog reads the same, and an edit of one price through the product API
changes that price and nothing else in the store. Against the emulator over loopback HTTP.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.shapes import local_product
from product_dashboard.models import Product
from product_dashboard.shopify.mapping import SyncProduct
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import Store, local_products, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]

CREATE = """
mutation Create($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id }
    userErrors { field message code }
  }
}
"""
READ = """
query Read($id: ID!) {
  product(id: $id) {
    title handle descriptionHtml vendor productType status tags templateSuffix
    seo { title description }
    category { id name }
    options { name optionValues { name } }
    metafields(first: 50) { nodes { namespace key type value } }
    variants(first: 10) {
      nodes {
        sku barcode price compareAtPrice taxable inventoryPolicy inventoryQuantity
        selectedOptions { name value }
        metafields(first: 3) { nodes { namespace key type value } }
        inventoryItem {
          tracked requiresShipping countryCodeOfOrigin harmonizedSystemCode
          unitCost { amount }
          measurement { weight { unit value } }
        }
      }
    }
  }
}
"""
RICH_TEXT = {
    "type": "root",
    "children": [{"type": "paragraph", "children": [{"type": "text", "value": "hé"}]}],
}
METAFIELDS = [
    ("single_line_text_field", "Zürich “quoted” 日本 🎉"),
    ("multi_line_text_field", "line 1\nline 2\r\n  indented"),
    ("json", json.dumps({"a": [1, 2.5, None, True], "b": {"ü": "x"}}, ensure_ascii=False)),
    ("list.single_line_text_field", json.dumps(["a, b", 'say "hi"', "日本"], ensure_ascii=False)),
    ("number_integer", "-42"),
    ("number_decimal", "1234.5678"),
    ("boolean", "false"),
    ("date", "2024-02-29"),
    ("date_time", "2024-02-29T23:59:59Z"),
    ("url", "https://example.com/a?b=c&d=e"),
    ("color", "#00ff00"),
    ("weight", json.dumps({"value": 0.5, "unit": "g"})),
    ("dimension", json.dumps({"value": 12.25, "unit": "cm"})),
    ("rating", json.dumps({"value": "3.5", "scale_min": "1.0", "scale_max": "5.0"})),
    ("money", json.dumps({"amount": "0.00", "currency_code": "EUR"})),
    ("list.number_integer", "[1, 2, 3]"),
    ("rich_text_field", json.dumps(RICH_TEXT)),
]
DESCRIPTION = (
    '<p style="color:#333;font-family:&quot;Noto&quot;">Café crème <b>☕</b></p>'
    '<script>alert("x")</script><iframe src="https://www.youtube.com/embed/x" '
    'width="560" allowfullscreen></iframe><table><tr><td>1 &lt; 2</td></tr></table>'
)
# 0.5 g and 2.5 g sit exactly between two whole grams; 0.4 g rounds to none.
WEIGHTS = [
    ("GRAMS", "0.5"),
    ("GRAMS", "1234.567"),
    ("POUNDS", "2.205"),
    ("OUNCES", "8"),
    ("KILOGRAMS", "1.5"),
    ("GRAMS", "2.5"),
    ("GRAMS", "0.4"),
]
COLOURS = ["Red", "red", "RED"]
SIZES = ["S", "s", "M"]
PRICES = ["19.99", "1234567.89", "0.00", "0.01", "99999.99", "5.00", "7.50"]
COMPARE_AT = [None, "0.00", "1234567.90", None, "100000.00", "0.01", "0.00"]
SKUS = ["AB 0", " lead 1", "tab\t2", "ü-3", "x4 ", "y 5 z", "日本-6"]
BARCODES = ["0000123", "01", None, "978-1-98765-432-1", "007", "00", "0"]
COSTS = ["0.00", "12.34", None, "1.00", "0.50", "999999.99", "3.00"]


PRODUCT_METAFIELDS = [
    {"namespace": "custom", "key": f"k{n}", "type": kind, "value": value}
    for n, (kind, value) in enumerate(METAFIELDS)
]


def _note(n: int) -> list[dict[str, str]]:
    """A variant's metafield (the first three variants')."""
    note = {"namespace": "custom", "key": "note", "type": "single_line_text_field"}
    return [{**note, "value": f"v{n} ✓"}] if n < 3 else []


def _variant(n: int, colour: str, size: str) -> dict[str, Any]:
    unit, value = WEIGHTS[n]
    item: dict[str, Any] = {
        "tracked": n % 2 == 1,
        "requiresShipping": n != 2,
        "measurement": {"weight": {"unit": unit, "value": float(value)}},
    }
    if COSTS[n] is not None:
        item["cost"] = COSTS[n]
    if n == 1:
        item |= {"countryCodeOfOrigin": "JP", "harmonizedSystemCode": "610910"}
    variant: dict[str, Any] = {
        "optionValues": [
            {"optionName": "Colour", "name": colour},
            {"optionName": "Size", "name": size},
        ],
        "price": PRICES[n],
        "sku": SKUS[n],
        "taxable": n % 2 == 0,
        "inventoryPolicy": "CONTINUE" if n % 3 == 0 else "DENY",
        "inventoryItem": item,
        "metafields": _note(n),
    }
    if COMPARE_AT[n] is not None:
        variant["compareAtPrice"] = COMPARE_AT[n]
    if BARCODES[n] is not None:
        variant["barcode"] = BARCODES[n]
    return variant


def awkward_input() -> dict[str, Any]:
    pairs = [(c, s) for c in COLOURS for s in SIZES][: len(WEIGHTS)]
    return {
        "title": "Café crème — 日本茶 🍵",
        "handle": "café-crème-日本茶",
        "descriptionHtml": DESCRIPTION,
        "vendor": "Müller & Söhne",
        "productType": "Tée",
        "status": "DRAFT",
        "tags": ['say "hi"', "it's", "日本", "🎉", "Tag"],
        "templateSuffix": "alt",
        "seo": {"title": "SEO — ü", "description": "Meta “desc” <b>x</b>"},
        "category": "gid://shopify/TaxonomyCategory/fb-2-3",
        "productOptions": [
            {"name": "Colour", "values": [{"name": c} for c in COLOURS]},
            {"name": "Size", "values": [{"name": s} for s in SIZES]},
        ],
        "metafields": PRODUCT_METAFIELDS,
        "variants": [_variant(n, c, s) for n, (c, s) in enumerate(pairs)],
    }


async def create_in_store(store: Store, product: dict[str, Any]) -> str:
    created = await store.client.execute(CREATE, {"input": product}, idempotent=False)
    assert created.data["productSet"]["userErrors"] == []
    shopify_id: str = created.data["productSet"]["product"]["id"]
    return shopify_id


async def read_store(store: Store, shopify_id: str) -> dict[str, Any]:
    product: dict[str, Any] = (await store.client.execute(READ, {"id": shopify_id})).data["product"]
    return product


def comparable(product: SyncProduct) -> SyncProduct:
    """`product` without what names a row rather than holds content (ids)."""
    product.shopify_product_id = None
    for variant in product.variants:
        variant.shopify_variant_id = None
        variant.inventory_item_id = None
        for metafield in variant.metafields:
            metafield.shopify_id = None
    for metafield in product.metafields:
        metafield.shopify_id = None
    product.unknown = []
    return product


async def the_local(sessions: Sessions) -> SyncProduct:
    (product,) = await local_products(sessions)
    return comparable(local_product(product))


async def test_a_pulled_product_keeps_every_awkward_value_and_a_push_sends_nothing(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    shopify_id = await create_in_store(store, awkward_input())
    before = await read_store(store, shopify_id)

    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes == {"created": 1}, report.errors
    local = await the_local(sessions)
    assert local.handle == "café-crème-日本茶" and local.description_html == DESCRIPTION
    assert [o.values for o in local.options] == [COLOURS, SIZES]
    assert [v.option_values[0] for v in local.variants] == ["Red"] * 3 + ["red"] * 3 + ["RED"]
    assert [(v.weight_unit, v.weight_value) for v in local.variants] == [
        (unit, Decimal(value)) for unit, value in WEIGHTS
    ]
    assert [v.sku for v in local.variants] == SKUS
    assert [v.barcode for v in local.variants] == BARCODES
    assert [v.compare_at_price_cents for v in local.variants] == [
        None if c is None else int(Decimal(c) * 100) for c in COMPARE_AT
    ]
    assert [v.price_cents for v in local.variants] == [int(Decimal(p) * 100) for p in PRICES]
    assert [(m.type, m.value) for m in local.metafields] == METAFIELDS
    assert (local.seo_title, local.category_id) == (
        "SEO — ü",
        "gid://shopify/TaxonomyCategory/fb-2-3",
    )
    assert local == comparable((await store.products())[shopify_id])

    calls = emulator.mutations()
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (0, 0), pushed.errors
    assert emulator.mutations() == calls  # nothing sent
    assert await read_store(store, shopify_id) == before

    async with sessions() as session, session.begin():
        await session.execute(delete(Product))  # an empty catalog: all it holds comes from Shopify
    again = await pull(sessions, store, PullParams(kind="full"))
    assert again.outcomes == {"created": 1}, again.errors
    assert await the_local(sessions) == local


VARIANT_READ_ONLY = {"position", "title", "shopify_variant_id"}
FIELDS_AS_READ = (
    "title",
    "handle",
    "description_html",
    "vendor",
    "product_type",
    "tags",
    "status",
    "seo_title",
    "seo_description",
    "template_suffix",
    "category",
)


def _metafields_in(metafields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: m[k] for k in ("namespace", "key", "type", "value")} for m in metafields]


def _variant_in(variant: dict[str, Any]) -> dict[str, Any]:
    given = {k: v for k, v in variant.items() if k not in VARIANT_READ_ONLY}
    given["metafields"] = _metafields_in(variant["metafields"])
    return given


@pytest.mark.parametrize("form", ["variants", "whole product"])
async def test_an_api_edit_of_one_price_changes_only_that_price_in_the_store(
    sessions: Sessions,
    store: Store,
    emulator: Emulator,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    form: str,
) -> None:
    """The client sends the product back as it read it (the variants, or every field) with one
    price changed: the store sees that price move and nothing else."""
    shopify_id = await create_in_store(store, awkward_input())
    before = await read_store(store, shopify_id)
    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes == {"created": 1}, report.errors
    (local,) = await local_products(sessions)
    product = (await client.get(f"/api/products/{local.id}", headers=editor_headers)).json()

    body: dict[str, Any] = {
        "variants": [_variant_in(v) for v in product["variants"]],
        "version": product["version"],
    }
    body["variants"][1]["price"] = "7.77"
    if form == "whole product":
        body |= {name: product[name] for name in FIELDS_AS_READ}
        body["options"] = [{"name": o["name"], "values": o["values"]} for o in product["options"]]
        body["metafields"] = _metafields_in(product["metafields"])
    r = await client.put(f"/api/products/{local.id}", json=body, headers=editor_headers)
    assert r.status_code == 200, r.text

    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (1, 0), pushed.errors
    after = await read_store(store, shopify_id)
    before["variants"]["nodes"][1]["price"] = "7.77"
    assert after == before


# A laptop in đồng or rupiah, a car in yen: amounts past 2^31 - 1 cents (21,474,836.47); a car
# in rupiah (Rp 1,500,000,000) past the 1,000,000,000.00 the API once took.
LARGE = ["25000000.00", "99999999.99", "21474836.48", "1500000000.00"]


@pytest.mark.postgres
async def test_prices_past_a_32_bit_count_of_cents_are_pulled_and_pushed_unchanged(
    sessions: Sessions,
    store: Store,
    emulator: Emulator,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
) -> None:
    variants = [
        {
            "optionValues": [{"optionName": "Model", "name": f"M{n}"}],
            "price": price,
            "compareAtPrice": "30000000.00",
            "inventoryItem": {"cost": price},
        }
        for n, price in enumerate(LARGE)
    ]
    shopify_id = await create_in_store(
        store,
        {
            "title": "Máy tính xách tay",
            "productOptions": [
                {"name": "Model", "values": [{"name": f"M{n}"} for n in range(len(LARGE))]}
            ],
            "variants": variants,
        },
    )
    before = await read_store(store, shopify_id)
    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes == {"created": 1}, report.errors
    local = await the_local(sessions)
    cents = [int(Decimal(price) * 100) for price in LARGE]
    assert [v.price_cents for v in local.variants] == cents
    assert [v.cost_cents for v in local.variants] == cents
    assert {v.compare_at_price_cents for v in local.variants} == {3_000_000_000}
    calls = emulator.mutations()
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (0, 0) and emulator.mutations() == calls

    (product,) = await local_products(sessions)
    r = await client.get(f"/api/products/{product.id}", headers=editor_headers)
    assert [v["price"] for v in r.json()["variants"]] == LARGE
    body = {"variants": [_variant_in(v) for v in r.json()["variants"]]}
    body["variants"][0]["price"] = "26000000.00"
    r = await client.put(f"/api/products/{product.id}", json=body, headers=editor_headers)
    assert r.status_code == 200, r.text
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (1, 0), pushed.errors
    before["variants"]["nodes"][0]["price"] = "26000000.00"
    assert await read_store(store, shopify_id) == before


def _many_variants() -> dict[str, Any]:
    """2,048 variants (Shopify's limit in 2026-10): 32 sizes by 64 colours, half of the colours
    differing from the other half only in case."""
    sizes = [f"EU {n}" for n in range(32)]
    colours = [f"Shade {n}" for n in range(32)] + [f"shade {n}" for n in range(32)]
    variants = [
        {
            "optionValues": [
                {"optionName": "Size", "name": size},
                {"optionName": "Colour", "name": colour},
            ],
            "price": f"{1 + n % 97}.{n % 100:02d}",
            "sku": f"SKU {n:04d}",
            "barcode": f"{n:013d}",
            "inventoryItem": {"measurement": {"weight": {"unit": "GRAMS", "value": n / 8}}},
        }
        for n, (colour, size) in enumerate((c, s) for c in colours for s in sizes)
    ]
    return {
        "title": "Sock collection",
        "productOptions": [
            {"name": "Size", "values": [{"name": s} for s in sizes]},
            {"name": "Colour", "values": [{"name": c} for c in colours]},
        ],
        "variants": variants,
    }


VARIANT_PAGE = """
query Page($id: ID!, $after: String) {
  product(id: $id) {
    variants(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        sku barcode price compareAtPrice selectedOptions { name value }
        inventoryItem { measurement { weight { unit value } } }
      }
    }
  }
}
"""


async def store_variants(store: Store, shopify_id: str) -> list[dict[str, Any]]:
    """Every variant of the store's product, page by page."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        response = await store.client.execute(VARIANT_PAGE, {"id": shopify_id, "after": after})
        page = response.data["product"]["variants"]
        found.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


@pytest.mark.slow  # ~20 s alone: started first, beside the quick tests
async def test_2048_variants_with_case_only_values_survive_pull_push_and_an_edit(
    sessions: Sessions,
    store: Store,
    emulator: Emulator,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
) -> None:
    given = _many_variants()
    shopify_id = await create_in_store(store, given)
    before = await store_variants(store, shopify_id)
    assert len(before) == 2048

    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes == {"created": 1}, report.errors
    local = await the_local(sessions)
    assert [o.values for o in local.options] == [
        [v["name"] for v in o["values"]] for o in given["productOptions"]
    ]
    assert [
        (v.sku, v.barcode, v.price_cents, v.option_values, v.weight_value) for v in local.variants
    ] == [
        (
            v["sku"],
            v["barcode"],
            int(Decimal(v["price"]) * 100),
            [o["name"] for o in v["optionValues"]],
            Decimal(str(v["inventoryItem"]["measurement"]["weight"]["value"])) or None,
        )
        for v in given["variants"]
    ]
    calls = emulator.mutations()
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (0, 0) and emulator.mutations() == calls

    (product,) = await local_products(sessions)
    read = (await client.get(f"/api/products/{product.id}", headers=editor_headers)).json()
    body = {"variants": [_variant_in(v) for v in read["variants"]], "version": read["version"]}
    body["variants"][1500]["price"] = "0.07"
    r = await client.put(f"/api/products/{product.id}", json=body, headers=editor_headers)
    assert r.status_code == 200, r.text
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (1, 0), pushed.errors
    before[1500]["price"] = "0.07"
    assert await store_variants(store, shopify_id) == before

    edited = await the_local(sessions)
    async with sessions() as session, session.begin():
        await session.execute(delete(Product))
    again = await pull(sessions, store, PullParams(kind="full"))
    assert again.outcomes == {"created": 1}, again.errors
    assert await the_local(sessions) == edited


def _dashboard_product() -> dict[str, Any]:
    """The awkward product as the product API takes it (created here, not in the store)."""
    pairs = [(c, s) for c in COLOURS for s in SIZES][: len(WEIGHTS)]
    return {
        "title": "Café crème — 日本茶 🍵",
        "handle": "café-crème-日本茶",
        "description_html": DESCRIPTION,
        "vendor": "Müller & Söhne",
        "product_type": "Tée",
        "status": "draft",
        "tags": ['say "hi"', "it's", "日本", "🎉"],
        "seo_title": "SEO — ü",
        "seo_description": "Meta “desc” <b>x</b>",
        "template_suffix": "alt",
        "category": {"id": "gid://shopify/TaxonomyCategory/fb-2-3", "name": "Category fb-2-3"},
        "options": [{"name": "Colour", "values": COLOURS}, {"name": "Size", "values": SIZES}],
        "metafields": PRODUCT_METAFIELDS,
        "variants": [
            {
                "option_values": [colour, size],
                "price": PRICES[n],
                "compare_at_price": COMPARE_AT[n],
                "sku": SKUS[n],
                "barcode": BARCODES[n],
                "taxable": n % 2 == 0,
                "requires_shipping": n != 2,
                "inventory_tracked": n % 2 == 1,
                "inventory_policy": "CONTINUE" if n % 3 == 0 else "DENY",
                "cost": COSTS[n],
                "weight_value": WEIGHTS[n][1],
                "weight_unit": WEIGHTS[n][0],
                "metafields": _note(n),
            }
            for n, (colour, size) in enumerate(pairs)
        ],
    }


async def test_an_awkward_product_made_here_is_pushed_and_pulled_back_unchanged(
    sessions: Sessions,
    store: Store,
    emulator: Emulator,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
) -> None:
    r = await client.post("/api/products", json=_dashboard_product(), headers=editor_headers)
    assert r.status_code == 201, r.text
    made = await the_local(sessions)
    assert [(v.weight_unit, v.weight_value) for v in made.variants] == [
        (unit, Decimal(value)) for unit, value in WEIGHTS
    ]
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (1, 0), pushed.errors
    calls = emulator.mutations()
    second = await push(sessions, emulator, PushMode.sequential)
    assert (second.pushed, second.failed) == (0, 0) and emulator.mutations() == calls

    async with sessions() as session, session.begin():
        await session.execute(delete(Product))  # an empty catalog: all it holds comes from Shopify
    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes == {"created": 1}, report.errors
    back = await the_local(sessions)
    # What Shopify adds that the request left to it: the online store flag, the gift card and
    # selling plan flags, and each variant's unit price and bundle flags and (no) HS codes by
    # country, and its none (read as "", known) of the gift card template and each province of
    # origin; none of them was known here, so none was sent.
    assert made.requires_selling_plan is None and back.requires_selling_plan is False
    assert (made.gift_card_template_suffix, back.gift_card_template_suffix) == (None, "")
    back.published_online_store, back.gift_card = made.published_online_store, made.gift_card
    back.requires_selling_plan = made.requires_selling_plan
    back.gift_card_template_suffix = made.gift_card_template_suffix
    for variant, sent in zip(back.variants, made.variants, strict=True):
        variant.inventory_quantity = 0
        assert (variant.show_unit_price, variant.requires_components) == (False, False)
        assert sent.show_unit_price is None and sent.country_hs_codes is None
        assert (sent.province_code_of_origin, variant.province_code_of_origin) == (None, "")
        variant.show_unit_price, variant.requires_components = None, None
        variant.country_hs_codes, variant.province_code_of_origin = None, None
    for product in (made, back):  # tags and metafields in Shopify's order, which is not ours
        product.tags.sort()
        product.metafields.sort(key=lambda m: m.key)
    assert back == made
