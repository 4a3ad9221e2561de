"""With a state file the store survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shopify_emulator.conftest import start_emulator

pytestmark = pytest.mark.integration

SET = """mutation($input: ProductSetInput!) { productSet(input: $input) {
  product { id handle updatedAt variants(first: 5) { nodes { id price sku } } } } }"""


def test_store_survives_restart(tmp_path: Path) -> None:
    state = tmp_path / "store.sqlite"
    first = start_emulator(state_file=state, snapshot_debounce_seconds=0.05)
    emulator = next(first)
    emulator.knob("seed", {"products": 25, "collections": True, "seed": 2})
    product = emulator.data(
        SET,
        {
            "input": {
                "title": "Kept",
                "tags": ["a"],
                "productOptions": [{"name": "Size", "values": [{"name": "S"}]}],
                "variants": [
                    {
                        "optionValues": [{"optionName": "Size", "name": "S"}],
                        "price": "9.5",
                        "sku": "K-S",
                    }
                ],
            }
        },
    )["productSet"]["product"]
    deleted = emulator.data("{ products(first: 1) { nodes { id } } }")["products"]["nodes"][0]["id"]
    emulator.data(
        "mutation($id: ID!) { productDelete(input: {id: $id}) { deletedProductId } }",
        {"id": deleted},
    )
    before = emulator.data("{ productsCount { count } collectionsCount { count } }")
    first.close()  # stops the server; shutdown flushes the snapshot

    second = start_emulator(state_file=state)
    restarted = next(second)
    try:
        after = restarted.data("{ productsCount { count } collectionsCount { count } }")
        assert after == before == {"productsCount": {"count": 25}, "collectionsCount": {"count": 5}}
        again = restarted.data(
            "query($id: ID!) { product(id: $id) { id handle updatedAt "
            "variants(first: 5) { nodes { id price sku } } } }",
            {"id": product["id"]},
        )["product"]
        assert again == product
        gone = restarted.data("query($id: ID!) { product(id: $id) { id } }", {"id": deleted})
        assert gone == {"product": None}
        newer = restarted.data(SET, {"input": {"title": "New"}})["productSet"]["product"]
        assert int(newer["id"].rsplit("/", 1)[1]) > int(product["id"].rsplit("/", 1)[1])
    finally:
        second.close()


def test_webhook_subscriptions_survive_restart(tmp_path: Path) -> None:
    state = tmp_path / "store.sqlite"
    first = start_emulator(state_file=state, snapshot_debounce_seconds=0.05)
    emulator = next(first)
    created = emulator.data(
        "mutation { webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, webhookSubscription: "
        '{callbackUrl: "http://127.0.0.1:9/hook", format: JSON}) '
        "{ webhookSubscription { topic endpoint { ... on WebhookHttpEndpoint { callbackUrl } } } "
        "userErrors { message } } }"
    )["webhookSubscriptionCreate"]
    assert created["userErrors"] == []
    first.close()

    second = start_emulator(state_file=state)
    restarted = next(second)
    try:
        listed = restarted.data(
            "{ webhookSubscriptions(first: 5) { nodes { topic "
            "endpoint { ... on WebhookHttpEndpoint { callbackUrl } } } } }"
        )["webhookSubscriptions"]["nodes"]
        assert listed == [created["webhookSubscription"]]
    finally:
        second.close()


def test_metafield_definitions_survive_restart(tmp_path: Path) -> None:
    state = tmp_path / "store.sqlite"
    first = start_emulator(state_file=state, snapshot_debounce_seconds=0.05)
    emulator = next(first)
    definition = {
        "ownerType": "PRODUCTVARIANT",
        "namespace": "custom",
        "key": "size_cm",
        "name": "Size",
        "type": "number_integer",
        "validations": [{"name": "min", "value": "1"}],
        "pin": True,
    }
    created = emulator.data(
        "mutation($d: MetafieldDefinitionInput!) { metafieldDefinitionCreate(definition: $d) "
        "{ createdDefinition { id } } }",
        {"d": definition},
    )["metafieldDefinitionCreate"]["createdDefinition"]
    listing = (
        "{ metafieldDefinitions(ownerType: PRODUCTVARIANT, first: 5) { nodes { id namespace key "
        "name type { name } pinnedPosition validations { name value } } } }"
    )
    before = emulator.data(listing)
    first.close()

    second = start_emulator(state_file=state)
    restarted = next(second)
    try:
        assert restarted.data(listing) == before
        assert before["metafieldDefinitions"]["nodes"][0]["id"] == created["id"]
    finally:
        second.close()


def test_url_redirects_survive_restart(tmp_path: Path) -> None:
    """A handle changed with `redirectNewHandle` leaves a redirect: the snapshot keeps it."""
    state = tmp_path / "store.sqlite"
    first = start_emulator(state_file=state, snapshot_debounce_seconds=0.05)
    emulator = next(first)
    product = emulator.data(SET, {"input": {"title": "Old name", "handle": "old-name"}})
    renamed = emulator.data(
        "mutation($id: ID!) { productSet(identifier: {id: $id}, input: "
        '{handle: "new-name", redirectNewHandle: true}) { userErrors { message } } }',
        {"id": product["productSet"]["product"]["id"]},
    )
    assert renamed["productSet"]["userErrors"] == []
    listing = "{ urlRedirects(first: 5) { nodes { id path target } } }"
    before = emulator.data(listing)["urlRedirects"]["nodes"]
    assert [(r["path"], r["target"]) for r in before] == [
        ("/products/old-name", "/products/new-name")
    ]
    first.close()

    second = start_emulator(state_file=state)
    restarted = next(second)
    try:
        assert restarted.data(listing)["urlRedirects"]["nodes"] == before
        # Ids go on after the restored ones: a new redirect never takes a kept one's id.
        newer = restarted.data(SET, {"input": {"title": "Another"}})["productSet"]["product"]
        assert int(newer["id"].rsplit("/", 1)[1]) > int(before[0]["id"].rsplit("/", 1)[1])
    finally:
        second.close()
