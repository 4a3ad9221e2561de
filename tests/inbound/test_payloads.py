"""REST webhook bodies → SyncProduct, checked against Shopify's documented sample; signatures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from product_dashboard.inbound import signing
from product_dashboard.inbound.payloads import product_from_rest, resource_gid
from product_dashboard.kit.time import parse_time
from product_dashboard.shopify.mapping import content_hash

pytestmark = pytest.mark.quick

SAMPLE = Path(
    os.environ.get(
        "SHOPIFY_WEBHOOK_SAMPLE",
        Path(__file__).parents[2].parent / "shared/shopify/webhook-products-update.sample.json",
    )
)


@pytest.fixture(scope="module")
def sample_body() -> bytes:
    if not SAMPLE.exists():
        pytest.skip(f"webhook sample not found at {SAMPLE} (set SHOPIFY_WEBHOOK_SAMPLE)")
    return SAMPLE.read_bytes()


def test_sample_product_converts_exactly(sample_body: bytes) -> None:
    product = product_from_rest(json.loads(sample_body))
    assert product.shopify_product_id == "gid://shopify/Product/788032119674292922"
    assert (product.title, product.handle, product.vendor, product.product_type) == (
        "Example T-Shirt",
        "example-t-shirt",
        "Acme",
        "Shirts",
    )
    assert product.status == "active"
    assert product.tags == ["cotton", "summer", "tees"]
    assert product.description_html == "<p>An example T-shirt, 100% cotton.</p>"
    assert [(o.name, o.values) for o in product.options] == [("Size", ["Small", "Medium"])]
    assert [
        (v.option_values, v.sku, v.price_cents, v.compare_at_price_cents, v.inventory_quantity)
        for v in product.variants
    ] == [
        (["Small"], "EX-TEE-S", 1999, 2499, 75),
        (["Medium"], "EX-TEE-M", 1999, 2499, 50),
    ]
    assert product.variants[0].shopify_variant_id == (
        "gid://shopify/ProductVariant/642667041472713922"
    )
    # Its `template_suffix: null` is Shopify's none, read as such (""), not "not known".
    assert product.template_suffix == ""


def test_large_ids_survive_and_updated_at_is_utc(sample_body: bytes) -> None:
    payload = json.loads(sample_body)
    assert payload["id"] == 788032119674292922  # exact: Python ints, not floats
    assert resource_gid("products/delete", {"id": payload["id"]}) == (
        "gid://shopify/Product/788032119674292922"
    )
    stamp = parse_time(payload["updated_at"])
    assert stamp is not None and stamp.isoformat() == "2026-11-28T14:02:11+00:00"


def test_tag_order_and_spacing_do_not_change_the_hash(sample_body: bytes) -> None:
    payload = json.loads(sample_body)
    reordered = dict(payload, tags="tees,summer ,  cotton")
    assert content_hash(product_from_rest(payload)) == content_hash(product_from_rest(reordered))


def test_default_title_option_means_no_options() -> None:
    product = product_from_rest(
        {
            "id": 5,
            "title": "Mug",
            "options": [{"name": "Title", "position": 1, "values": ["Default Title"]}],
            "variants": [{"id": 9, "price": "5.00", "option1": "Default Title"}],
        }
    )
    assert product.options == []
    assert product.variants[0].option_values == []


def test_signature_is_verified_in_constant_time_and_rejects_tampering() -> None:
    body = b'{"id": 1}'
    signature = signing.sign("secret", body)
    assert signing.verify("secret", body, signature)
    assert not signing.verify("secret", body + b" ", signature)
    assert not signing.verify("other", body, signature)
    assert not signing.verify(None, body, signature)
    assert not signing.verify("secret", body, None)


def test_sample_reads_the_policy_and_leaves_the_other_item_fields_unknown(
    sample_body: bytes,
) -> None:
    product = product_from_rest(json.loads(sample_body))
    assert {v.inventory_policy for v in product.variants} == {"DENY"}
    assert all(v.cost_cents is None and v.weight_value is None for v in product.variants)
    # The 2026-10 body has no inventory item: a merge must not take them as cleared.
    for name in ("inventory_tracked", "cost_cents", "country_of_origin", "hs_code", "weight_value"):
        assert not product.knows(name), name
    assert product.knows("inventory_policy")


def test_an_older_body_keeps_its_weight_exactly_in_its_unit() -> None:
    body = {
        "id": 1,
        "title": "Ring",
        "variants": [
            {"id": 2, "price": "1.00", "weight": 8.0, "weight_unit": "oz", "grams": 227},
            {"id": 3, "price": "1.00", "weight": 0, "weight_unit": "kg", "grams": 0},
        ],
        "options": [],
    }
    ring, unset = product_from_rest(body).variants
    assert (ring.weight_value, ring.weight_unit) == (8, "OUNCES")
    assert (unset.weight_value, unset.weight_unit) == (None, None)  # 0 is Shopify's "not set"
