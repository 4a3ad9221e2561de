"""Metafield definitions (create with Shopify's checks, list by owner type, delete) and the
online store's publication (publish, unpublish, read back, webhook body, kept through writes)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

CREATE = """
mutation($definition: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $definition) {
    createdDefinition {
      id namespace key name description ownerType pinnedPosition
      type { name category }
      validations { name type value }
    }
    userErrors { field message code }
  }
}
"""
LIST = """
query($owner: MetafieldOwnerType!, $after: String) {
  metafieldDefinitions(ownerType: $owner, first: 2, after: $after) {
    nodes { id namespace key }
    pageInfo { hasNextPage endCursor }
  }
}
"""
DELETE = """
mutation($identifier: MetafieldDefinitionIdentifierInput!) {
  metafieldDefinitionDelete(identifier: $identifier, deleteAllAssociatedMetafields: true) {
    deletedDefinitionId
    userErrors { code }
  }
}
"""
PUBLICATIONS = "{ publications(first: 10) { nodes { id catalog { title } } } }"
PUBLISH = """
mutation($id: ID!, $publication: ID!) {
  publishablePublish(id: $id, input: [{publicationId: $publication}]) {
    publishable {
      ... on Product { publishedAt publishedOnPublication(publicationId: $publication) }
    }
    userErrors { field message }
  }
}
"""
UNPUBLISH = PUBLISH.replace("publishablePublish", "publishableUnpublish")
PRODUCT_SET = """
mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier) {
    product { id publishedAt }
    userErrors { message }
  }
}
"""
READ = """
query($id: ID!, $publication: ID!) {
  product(id: $id) { publishedAt publishedOnPublication(publicationId: $publication) }
}
"""


def create(emulator: Emulator, **definition: Any) -> dict[str, Any]:
    payload: dict[str, Any] = emulator.data(CREATE, {"definition": definition})[
        "metafieldDefinitionCreate"
    ]
    return payload


def test_a_definition_is_created_listed_by_owner_and_deleted(emulator: Emulator) -> None:
    made = create(
        emulator,
        ownerType="PRODUCT",
        namespace="custom",
        key="fabric",
        name="Fabric",
        description="What it is made of",
        type="single_line_text_field",
        validations=[{"name": "max", "value": "40"}, {"name": "choices", "value": '["a","b"]'}],
        pin=True,
    )
    assert made["userErrors"] == []
    definition = made["createdDefinition"]
    assert definition["type"] == {"name": "single_line_text_field", "category": "TEXT"}
    assert definition["validations"] == [
        {"name": "max", "type": "number_integer", "value": "40"},
        {"name": "choices", "type": "list.single_line_text_field", "value": '["a","b"]'},
    ]
    assert (definition["ownerType"], definition["pinnedPosition"]) == ("PRODUCT", 1)
    for key in ("care", "origin"):
        create(emulator, ownerType="PRODUCT", namespace="custom", key=key, name=key, type="json")
    create(
        emulator,
        ownerType="PRODUCTVARIANT",
        namespace="custom",
        key="size",
        name="S",
        type="number_integer",
    )

    keys: list[str] = []
    after = None
    while True:
        page = emulator.data(LIST, {"owner": "PRODUCT", "after": after})["metafieldDefinitions"]
        keys += [node["key"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert keys == ["fabric", "care", "origin"]

    identifier = {"ownerType": "PRODUCT", "namespace": "custom", "key": "care"}
    deleted = emulator.data(DELETE, {"identifier": identifier})["metafieldDefinitionDelete"]
    assert deleted["deletedDefinitionId"] is not None
    again = emulator.data(DELETE, {"identifier": identifier})["metafieldDefinitionDelete"]
    assert again["userErrors"] == [{"code": "NOT_FOUND"}]
    page = emulator.data(LIST, {"owner": "PRODUCT"})["metafieldDefinitions"]
    assert [node["key"] for node in page["nodes"]] == ["fabric", "origin"]


@pytest.mark.parametrize(
    ("definition", "code"),
    [
        ({"namespace": "custom", "key": "x", "type": "json"}, "TOO_SHORT"),
        ({"namespace": "custom", "key": "bad key", "type": "json"}, "INVALID_CHARACTER"),
        ({"namespace": "custom", "key": "fine", "type": "no_such_type"}, "INCLUSION"),
        ({"namespace": "custom", "key": "fine", "type": "list.boolean"}, "INCLUSION"),
        ({"namespace": "shopify", "key": "fine", "type": "json"}, "RESERVED_NAMESPACE_KEY"),
    ],
)
def test_a_bad_definition_is_refused_with_shopify_codes(
    emulator: Emulator, definition: dict[str, str], code: str
) -> None:
    made = create(emulator, ownerType="PRODUCT", name="A name", **definition)
    assert made["createdDefinition"] is None
    assert code in [error["code"] for error in made["userErrors"]]


def test_the_same_key_twice_is_taken(emulator: Emulator) -> None:
    fields = {"ownerType": "PRODUCT", "namespace": "custom", "key": "dup", "type": "json"}
    assert create(emulator, name="One", **fields)["userErrors"] == []
    assert [e["code"] for e in create(emulator, name="Two", **fields)["userErrors"]] == ["TAKEN"]


def online_store(emulator: Emulator) -> str:
    nodes = emulator.data(PUBLICATIONS)["publications"]["nodes"]
    assert [node["catalog"]["title"] for node in nodes] == ["Online Store"]
    publication: str = nodes[0]["id"]
    return publication


def test_publish_and_unpublish_on_the_online_store(emulator: Emulator) -> None:
    publication = online_store(emulator)
    created = emulator.data(PRODUCT_SET, {"input": {"title": "Lamp", "status": "ACTIVE"}})
    product_id = created["productSet"]["product"]["id"]
    assert created["productSet"]["product"]["publishedAt"] is not None  # auto-published
    variables = {"id": product_id, "publication": publication}

    answer = emulator.data(UNPUBLISH, variables)["publishableUnpublish"]
    assert answer["userErrors"] == []
    assert answer["publishable"] == {"publishedAt": None, "publishedOnPublication": False}
    # A later write does not publish it again behind the merchant's back.
    emulator.data(PRODUCT_SET, {"input": {"title": "Lamp 2"}, "identifier": {"id": product_id}})
    assert emulator.data(READ, variables)["product"]["publishedOnPublication"] is False

    answer = emulator.data(PUBLISH, variables)["publishablePublish"]
    assert answer["publishable"]["publishedOnPublication"] is True
    assert emulator.data(READ, variables)["product"]["publishedAt"] is not None


def test_an_unknown_publication_or_product_is_a_user_error(emulator: Emulator) -> None:
    created = emulator.data(PRODUCT_SET, {"input": {"title": "Lamp"}})
    product_id = created["productSet"]["product"]["id"]
    wrong = {"id": product_id, "publication": "gid://shopify/Publication/999"}
    answer = emulator.data(PUBLISH, wrong)["publishablePublish"]
    assert answer["userErrors"][0]["field"] == ["input", "0", "publicationId"]
    missing = {"id": "gid://shopify/Product/1", "publication": online_store(emulator)}
    assert emulator.data(PUBLISH, missing)["publishablePublish"]["userErrors"] != []


def test_a_publication_change_is_a_products_update_and_a_repeat_is_none(
    emulator: Emulator,
) -> None:
    publication = online_store(emulator)
    created = emulator.data(PRODUCT_SET, {"input": {"title": "Lamp", "status": "ACTIVE"}})
    variables = {"id": created["productSet"]["product"]["id"], "publication": publication}
    events: list[tuple[str, bool]] = []

    def listen(topic: str, record: Any) -> None:
        events.append((topic, record.published_at is not None))

    listeners = emulator.state.store.listeners
    listeners.append(listen)
    try:
        emulator.data(UNPUBLISH, variables)
        emulator.data(UNPUBLISH, variables)  # already off the store: nothing changes
        emulator.data(PUBLISH, variables)
    finally:
        listeners.remove(listen)
    assert events == [("products/update", False), ("products/update", True)]
