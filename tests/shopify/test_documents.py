"""Every document the client sends validates against Shopify's real Admin schema."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path

import pytest
from graphql import GraphQLSchema, GraphQLSyntaxError, OperationDefinitionNode, parse, validate

from product_dashboard.collection import sync as collection_sync
from product_dashboard.shopify import documents
from product_dashboard.shopify.plan_rate import PROBE
from product_dashboard.shopify.product_set import parse_product_set_payload, push_batch_document
from product_dashboard.shopify.publication import publication_batch_document
from tests.shopify.deprecations import deprecated_uses

pytestmark = pytest.mark.quick

SOURCE = Path(documents.__file__).resolve().parents[1]  # src/product_dashboard


def assert_valid(schema: GraphQLSchema, text: str) -> None:
    errors = validate(schema, parse(text))
    assert not errors, "\n".join(str(error) for error in errors)


def assert_current(schema: GraphQLSchema, text: str) -> None:
    """Valid, and using nothing the schema deprecates."""
    assert_valid(schema, text)
    assert deprecated_uses(schema, text) == [], text


def documents_built_in_code() -> dict[str, str]:
    """Every document the dashboard sends that is not a `queries/*.graphql` file."""
    return {
        "push batch (set, delete, set)": push_batch_document(("set", "delete", "set")),
        "push probe": PROBE,
        "publication batch (publish, unpublish)": publication_batch_document((True, False)),
        "collections page": collection_sync.COLLECTIONS_PAGE,
        "collection members": collection_sync.COLLECTION_MEMBERS,
        "collection sources": collection_sync.COLLECTION_SOURCES,
        "shop currency": collection_sync.SHOP_CURRENCY,
        "job status": collection_sync.JOB_STATUS,
        "bulk export": documents.bulk_products_query(),
        "bulk export since": documents.bulk_products_query(
            documents.updated_since_filter(datetime(2025, 1, 2))
        ),
    }


def all_sent_documents() -> dict[str, str]:
    return {**documents.all_documents(), **documents_built_in_code()}


# Nothing deprecated in 2026-10 is sent any more (collections moved to sources). The comparison
# is exact, so a new deprecated use fails.
STILL_TO_MIGRATE: dict[str, list[str]] = {}


@pytest.mark.parametrize("name", sorted(all_sent_documents()))
def test_every_document_sent_is_valid_and_current(shopify_schema: GraphQLSchema, name: str) -> None:
    text = all_sent_documents()[name]
    assert_valid(shopify_schema, text)
    assert deprecated_uses(shopify_schema, text) == STILL_TO_MIGRATE.get(name, []), text


def _operation_names(text: str) -> set[str]:
    return {
        d.name.value
        for d in parse(text).definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    }


def test_every_document_written_in_the_code_is_checked() -> None:
    """A GraphQL document added as a string in src/ must join `documents_built_in_code`."""
    checked = set().union(*(_operation_names(t) for t in all_sent_documents().values()))
    found: dict[str, str] = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if not re.match(r"\s*(query|mutation)\s+\w+\s*[({]", node.value):
                continue
            try:
                names = _operation_names(node.value)
            except GraphQLSyntaxError:
                continue  # prose that starts with the word "query"
            found.update({name: f"{path.relative_to(SOURCE)}:{node.lineno}" for name in names})
    assert found, "no documents found: the scan itself is broken"
    assert {name: where for name, where in found.items() if name not in checked} == {}


@pytest.mark.parametrize(
    "document",
    [
        "{ shop { plan { displayName } } }",
        "{ currentBulkOperation { id } }",
        "mutation($i: CollectionInput!) { collectionCreate(input: $i) { collection { id } } }",
        "mutation { webhookSubscriptionCreate(topic: SHOP_UPDATE, webhookSubscription: "
        '{callbackUrl: "https://x"}) { userErrors { message } } }',
    ],
)
def test_a_deprecated_use_is_caught(shopify_schema: GraphQLSchema, document: str) -> None:
    assert deprecated_uses(shopify_schema, document) != []


def test_a_document_that_does_not_validate_is_caught(shopify_schema: GraphQLSchema) -> None:
    with pytest.raises(AssertionError):
        assert_current(shopify_schema, "{ shop { noSuchField } }")


def test_documents_ship_as_package_data() -> None:
    names = set(documents.all_documents())
    assert {"push_product_set_line", "products_page", "bulk_operation_status", "shop"} <= names
    assert not any(name.startswith("fragment_") for name in names)
    assert "fragment ProductFields" in documents.PRODUCT_BY_ID


def test_product_set_payloads_parse_into_outcomes() -> None:
    data = {
        "p0": {
            "product": {
                "id": "gid://shopify/Product/1",
                "handle": "h0",
                "updatedAt": "2025-01-01T00:00:00Z",
                "variants": {
                    "nodes": [
                        {
                            "id": "gid://shopify/ProductVariant/9",
                            "sku": "S",
                            "selectedOptions": [{"name": "Size", "value": "M"}],
                        }
                    ]
                },
            },
            "userErrors": [],
        },
        "p1": {
            "product": None,
            "userErrors": [{"field": ["input", "handle"], "message": "taken", "code": "TAKEN"}],
        },
    }
    outcomes = [parse_product_set_payload(data.get(f"p{i}")) for i in range(3)]
    assert outcomes[0].ok and outcomes[0].variants[0].option_values == (("Size", "M"),)
    assert not outcomes[1].ok and outcomes[1].user_errors[0].field == ("input", "handle")
    assert not outcomes[2].ok and "missing" in outcomes[2].user_errors[0].message


def test_documents_are_inside_the_emulator_subset() -> None:
    """The emulator serves a subset of Shopify's schema; our documents must stay inside it."""
    from importlib import resources

    from graphql import build_schema

    try:
        sdl = resources.files("shopify_emulator").joinpath("schema.graphql").read_text("utf-8")
    except FileNotFoundError:
        pytest.skip("shopify_emulator/schema.graphql is not there yet")
    schema = build_schema(sdl, assume_valid=True)
    for text in all_sent_documents().values():
        assert_valid(schema, text)
